package dev.relay.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Listening ports: free ones for tests, and a clear error when a chosen one is taken. */
final class Ports {
    private Ports() {
    }

    static int free(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** Fails with the port and what it was for, instead of a broker's stack trace, when something else listens. */
    static void requireFree(String host, int port, String purpose) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new IOException(purpose + " port " + host + ":" + port + " is in use (is another Relay running?); "
                    + "choose another with --" + purpose.toLowerCase(java.util.Locale.ROOT) + "-port", e);
        }
    }
}
