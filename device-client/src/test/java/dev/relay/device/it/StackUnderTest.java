package dev.relay.device.it;

import dev.relay.stack.BrokerKind;
import dev.relay.stack.RelayStack;
import dev.relay.stack.StackOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A real Relay stack for the device ITs, on fixed free ports so that a restart comes back on the same ones. */
final class StackUnderTest implements AutoCloseable {
    /** Rate limits high enough not to get in the way of the tests that do not test them. */
    static final Map<String, String> UNTHROTTLED = Map.of("relay.rate.sends-per-minute", "100000",
            "relay.rate.burst", "100000");

    private final BrokerKind kind;
    private final StackOptions options;
    private RelayStack stack;

    private StackUnderTest(BrokerKind kind, StackOptions options) throws IOException {
        this.kind = kind;
        this.options = options;
        this.stack = RelayStack.start(options);
    }

    static StackUnderTest start(BrokerKind broker, Map<String, String> relayProperties) {
        try {
            Path data = Files.createTempDirectory("relay-device-it-");
            return new StackUnderTest(broker, StackOptions.builder(broker, data).realm("device.it")
                    .mqttPort(freePort()).gatewayPort(freePort()).amqpPort(freePort()).stompPort(freePort())
                    .relayProperties(relayProperties).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String realm() {
        return stack.realm();
    }

    BrokerKind kind() {
        return kind;
    }

    String mqttUri() {
        return stack.mqttUri().toString();
    }

    RelayStack stack() {
        return stack;
    }

    void stop() {
        stack.close();
    }

    void startAgain() throws IOException {
        stack = RelayStack.start(options);
    }

    @Override
    public void close() {
        stack.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
