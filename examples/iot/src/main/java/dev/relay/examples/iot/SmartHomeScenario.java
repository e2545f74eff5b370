package dev.relay.examples.iot;

import dev.relay.client.RelayClientException;
import dev.relay.device.RelayDevice;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Receipt;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The offline-command story, step by step with console output: the fan is offline; the controller sends "on" with a
 * TTL; the fan comes online later, receives it once and sends a signed receipt; an unknown sender is refused by the
 * fan's allowlist; a command whose TTL ran out is never executed.
 *
 * <p>Every run uses new identities (key files in {@code workDir}), so runs do not see each other's messages.
 */
public final class SmartHomeScenario {
    static final double THRESHOLD_CELSIUS = 26.0;
    static final Duration SHORT_TTL = Duration.ofSeconds(2);
    static final Duration WAIT = Duration.ofSeconds(30);

    /** What happened, for the scenario tests. */
    public record Outcome(int failures, List<String> fanExecuted, boolean receiptVerified, String strangerRefusal,
                          boolean commandWaitedWhileFanOffline) {
        public boolean succeeded() {
            return failures == 0;
        }
    }

    private SmartHomeScenario() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SmartHomeScenario <mqtt uri> <gateway ws uri> <realm>");
            System.exit(2);
        }
        Path work = Files.createTempDirectory("relay-demo-");
        Outcome outcome = run(new Home(URI.create(args[0]), URI.create(args[1]), args[2]), work, System.out);
        System.exit(outcome.succeeded() ? 0 : 1);
    }

    public static Outcome run(Home home, Path workDir, PrintStream out) throws Exception {
        Narrator story = new Narrator(out);
        Path keys = Files.createDirectories(workDir.resolve("keys"));
        story.title("Relay smart home: realm " + home.realm() + ", MQTT " + home.mqtt() + ", WebSocket "
                + home.gateway());

        story.step(1, "The fan comes online once, lets only the controller command it (allowlist), then goes offline.");
        Path controllerKey = keys.resolve("controller.key");
        dev.relay.protocol.KeyId controllerId = dev.relay.protocol.KeyFiles.loadOrCreate(controllerKey).keyId();
        dev.relay.protocol.KeyId fanId;
        try (Fan fan = Fan.connect(home, keys.resolve("fan.key"), story::says)) {
            fanId = fan.keyId();
            fan.allowOnly(controllerId);
            story.says("fan", "is " + short8(fanId) + ", policy now " + fan.policyMode() + " [controller "
                    + short8(controllerId) + "]");
        }
        story.says("fan", "goes offline (its broker session stays, so messages can wait for it)");

        story.step(2, "The controller agent joins over the WebSocket gateway, the temperature sensor over MQTT.");
        try (Controller controller = Controller.connect(home, controllerKey, fanId, THRESHOLD_CELSIUS, story::says);
             TemperatureSensor sensor = TemperatureSensor.connect(home, keys.resolve("sensor.key"),
                     workDir.resolve("sensor.outbox"), controllerId)) {
            story.says("controller", "is " + short8(controller.keyId()) + " on " + home.gateway());
            story.says("sensor", "is " + short8(sensor.keyId()) + " on " + home.mqtt());

            story.step(3, "The sensor reports a hot room; the controller commands the offline fan ON with a TTL.");
            sensor.report(29.5).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            story.says("sensor", "reported 29.5 °C (signed, relay accepted it)");
            Envelope on = controller.commandsSent().poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            story.check(on != null, "the relay accepted the 'on' command although the fan is offline");
            CompletableFuture<Receipt> receipt = on == null ? CompletableFuture.failedFuture(
                    new IllegalStateException("no command")) : controller.receiptFor(on, WAIT.multipliedBy(2));

            story.step(4, "The controller also sends 'boost' with a TTL of " + SHORT_TTL.toSeconds()
                    + " s. The fan stays offline longer than that.");
            controller.command("boost", SHORT_TTL).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            story.says("controller", "sent 'boost' (expires in " + SHORT_TTL.toSeconds() + " s)");
            Thread.sleep(SHORT_TTL.plusSeconds(2).toMillis());
            story.says("relay", "'boost' has expired while it waited: it will never be delivered");

            story.step(5, "An unknown device tries to switch the fan off.");
            String refusal = strangerTries(home, keys.resolve("stranger.key"), fanId, story);
            story.check("acl_denied".equals(refusal), "the fan's allowlist refused the stranger (" + refusal + ")");

            story.step(6, "The fan comes back online.");
            List<String> executed;
            boolean receiptVerified = false;
            try (Fan fan = Fan.connect(home, keys.resolve("fan.key"), story::says)) {
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (fan.executed().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(2000); // anything else queued (a duplicate, the expired boost) would arrive by now
                executed = fan.executed();
                story.check(executed.equals(List.of("on")), "the fan ran 'on' exactly once " + executed);
                story.check(!executed.contains("boost"), "the expired 'boost' was never run");
                story.check(!executed.contains("off"), "the stranger's 'off' never reached the fan");

                story.step(7, "The controller checks the fan's receipt against the command it sent.");
                try {
                    Receipt proof = receipt.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    receiptVerified = true;
                    story.says("controller", "receipt '" + proof.status() + "' for " + proof.messageId()
                            + ": signed by the fan, digest matches the command");
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    story.says("controller", "no valid receipt: " + e.getMessage());
                }
                story.check(receiptVerified, "the signed receipt proves the fan got that exact command");
            }
            out.println();
            out.println(story.failures() == 0 ? "All promises held." : story.failures() + " promise(s) broken.");
            return new Outcome(story.failures(), executed, receiptVerified, refusal, on != null);
        }
    }

    /** An MQTT device the fan does not know sends "off"; returns the relay's refusal code. */
    private static String strangerTries(Home home, Path keyFile, dev.relay.protocol.KeyId fan, Narrator story)
            throws Exception {
        try (RelayDevice stranger = RelayDevice.builder().serverUri(home.mqtt().toString()).realm(home.realm())
                .keyFile(keyFile).connect()) {
            story.says("stranger", "is " + short8(stranger.keyId()) + ", sends 'off' to the fan");
            try {
                stranger.message(fan, "text/plain", "off".getBytes(StandardCharsets.UTF_8))
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                story.says("relay", "accepted the stranger's command (it should not have)");
                return "accepted";
            } catch (ExecutionException e) {
                String code = e.getCause() instanceof RelayClientException refused ? refused.code()
                        : String.valueOf(e.getCause());
                story.says("relay", "refused: " + e.getCause().getMessage());
                return code;
            }
        }
    }

    private static String short8(dev.relay.protocol.KeyId keyId) {
        return keyId.toString().substring(0, 8) + "…";
    }
}
