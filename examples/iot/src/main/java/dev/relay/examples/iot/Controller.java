package dev.relay.examples.iot;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.Incoming;
import dev.relay.agent.AgentException;
import dev.relay.agent.RelayAgent;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.Receipt;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;

/**
 * The controller agent, on the WebSocket gateway. It reads temperatures from the sensor and, when a reading is above
 * the threshold, commands the fan {@code on} with a TTL: if the fan is offline the command waits at the relay, and if
 * the fan stays away longer than the TTL, the command is dropped rather than run late.
 */
public final class Controller implements AutoCloseable {
    static final Duration COMMAND_TTL = Duration.ofMinutes(10);

    private final RelayAgent agent;
    private final RelayKeyPair key;
    private final KeyId fan;
    private final double thresholdCelsius;
    private final BiConsumer<String, String> log;
    private final BlockingQueue<Envelope> commandsSent = new LinkedBlockingQueue<>();
    private volatile boolean fanCommandedOn;

    private Controller(Home home, RelayKeyPair key, KeyId fan, double thresholdCelsius,
                       BiConsumer<String, String> log) throws AgentException {
        this.key = key;
        this.fan = fan;
        this.thresholdCelsius = thresholdCelsius;
        this.log = log;
        this.agent = RelayAgent.builder().uri(home.gateway()).key(key).expectedRealm(home.realm())
                .onMessage(this::onMessage).connect();
    }

    public static Controller connect(Home home, Path keyFile, KeyId fan, double thresholdCelsius,
                                     BiConsumer<String, String> log) throws Exception {
        return new Controller(home, dev.relay.protocol.KeyFiles.loadOrCreate(keyFile), fan, thresholdCelsius, log);
    }

    private void onMessage(Incoming message) throws Exception {
        Envelope envelope = message.envelope();
        if (envelope.kind() != Kind.MESSAGE || !"application/json".equals(envelope.contentType())) {
            return;
        }
        JsonNode reading = Json.MAPPER.readTree(envelope.body());
        double celsius = reading.path("celsius").asDouble(Double.NaN);
        log.accept("controller", "reads " + celsius + " °C from the sensor");
        if (celsius > thresholdCelsius && !fanCommandedOn) {
            fanCommandedOn = true;
            log.accept("controller", "above " + thresholdCelsius + " °C: commands the fan ON (TTL "
                    + COMMAND_TTL.toMinutes() + " min)");
            command("on", COMMAND_TTL).join();
        }
    }

    /**
     * Sends a command to the fan with a TTL; completes with the signed envelope once the relay accepted it (it then
     * waits for the fan if the fan is offline).
     */
    public CompletableFuture<Envelope> command(String command, Duration ttl) {
        Envelope envelope;
        try {
            envelope = Envelope.builder(Kind.MESSAGE).to(fan).contentType("text/plain")
                    .body(command.getBytes(StandardCharsets.UTF_8)).expiresIn(ttl.toSeconds()).sign(key);
        } catch (RelayException e) {
            return CompletableFuture.failedFuture(e);
        }
        return agent.send(envelope).thenApply(id -> {
            commandsSent.add(envelope);
            return envelope;
        });
    }

    /** Commands the relay accepted, in order. */
    public BlockingQueue<Envelope> commandsSent() {
        return commandsSent;
    }

    /** Completes when the fan's receipt for {@code command} arrives and proves it (signed by the fan, same digest). */
    public CompletableFuture<Receipt> receiptFor(Envelope command, Duration timeout) {
        return agent.awaitReceipt(command, timeout);
    }

    public KeyId keyId() {
        return agent.keyId();
    }

    @Override
    public void close() {
        agent.close();
    }
}
