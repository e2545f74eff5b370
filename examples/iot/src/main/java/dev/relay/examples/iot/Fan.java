package dev.relay.examples.iot;

import dev.relay.client.Incoming;
import dev.relay.client.RelayClientException;
import dev.relay.device.RelayDevice;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.PolicyMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A fan on MQTT. It runs the commands in its inbox ({@code on}, {@code off}, {@code boost}) and answers each with a
 * signed {@code delivered} receipt, so the controller knows that exact command arrived. Its inbox policy is an
 * allowlist holding only the controller: the relay refuses everyone else before anything reaches the fan.
 */
public final class Fan implements AutoCloseable {
    private final RelayDevice device;
    private final List<String> executed = new CopyOnWriteArrayList<>();
    private final BiConsumer<String, String> log;
    private volatile boolean on;

    private Fan(RelayDevice.Builder builder, BiConsumer<String, String> log) throws RelayClientException {
        this.log = log;
        this.device = builder.onMessage(this::onCommand).connect();
    }

    /** Connects; queued commands arrive right after. {@code log} gets (actor, text) lines for the console. */
    public static Fan connect(Home home, Path keyFile, BiConsumer<String, String> log) throws RelayClientException {
        return new Fan(RelayDevice.builder().serverUri(home.mqtt().toString()).realm(home.realm()).keyFile(keyFile),
                log);
    }

    private void onCommand(Incoming command) throws Exception {
        String text = command.text().trim();
        switch (text) {
            case "on", "boost" -> on = true;
            case "off" -> on = false;
            default -> {
                log.accept("fan", "ignores unknown command '" + text + "'");
                return;
            }
        }
        executed.add(text);
        log.accept("fan", "runs '" + text + "' (sent " + age(command) + " ago) -> fan is " + (on ? "ON" : "OFF"));
        // The command has run: a failed receipt must not make it run again (by failing the handler), so it is only
        // reported. The controller then sees no receipt and can ask again.
        try {
            command.receipt("delivered").get(30, TimeUnit.SECONDS);
            log.accept("fan", "sent a signed receipt for command " + command.envelope().id());
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.accept("fan", "could not send the receipt: " + e.getCause());
        }
    }

    private static String age(Incoming command) {
        return Duration.ofMillis(Math.max(0, System.currentTimeMillis() - command.envelope().ts())).toSeconds() + " s";
    }

    /** Sets the inbox policy to an allowlist of exactly {@code controller}. */
    public void allowOnly(KeyId controller) throws Exception {
        device.policySet(PolicyMode.ALLOWLIST, List.of(controller), List.of()).get(30, TimeUnit.SECONDS);
    }

    /** The fan's policy mode as the relay has it. */
    public String policyMode() throws Exception {
        return device.policyGet().get(30, TimeUnit.SECONDS).path("mode").asText();
    }

    /** Commands run so far, in order. */
    public List<String> executed() {
        return List.copyOf(executed);
    }

    public boolean isOn() {
        return on;
    }

    public KeyId keyId() {
        return device.keyId();
    }

    /** Goes offline: the broker keeps its session, so commands wait for it. */
    @Override
    public void close() {
        device.close();
    }
}
