package dev.relay.artemis.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Where a Relay-enabled Artemis listens: the embedded one of most tests, or a standalone instance. */
public interface BrokerEndpoints {
    String realm();

    String amqpHost();

    int amqpPort();

    String mqttUri();

    int stompPort();

    /** A free port on the loopback address, picked at run time. */
    static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
