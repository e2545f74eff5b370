package dev.relay.examples.iot;

import dev.relay.client.RelayClientException;
import dev.relay.device.RelayDevice;
import dev.relay.protocol.KeyId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A temperature sensor on MQTT. Readings go to the controller as {@code application/json} with a 10-minute TTL (an old
 * temperature is worth nothing); with its outbox file, readings taken while offline are sent when it is back.
 */
public final class TemperatureSensor implements AutoCloseable {
    static final Duration READING_TTL = Duration.ofMinutes(10);

    private final RelayDevice device;
    private final KeyId controller;

    private TemperatureSensor(RelayDevice device, KeyId controller) {
        this.device = device;
        this.controller = controller;
    }

    public static TemperatureSensor connect(Home home, Path keyFile, Path outbox, KeyId controller)
            throws RelayClientException {
        RelayDevice device = RelayDevice.builder().serverUri(home.mqtt().toString()).realm(home.realm())
                .keyFile(keyFile).outbox(outbox).connect();
        return new TemperatureSensor(device, controller);
    }

    /** Sends one reading; completes when the relay accepted it. */
    public CompletableFuture<String> report(double celsius) {
        String json = String.format(Locale.ROOT, "{\"celsius\":%.1f}", celsius);
        return device.message(controller, "application/json", json.getBytes(StandardCharsets.UTF_8), READING_TTL);
    }

    public KeyId keyId() {
        return device.keyId();
    }

    @Override
    public void close() {
        device.close();
    }
}
