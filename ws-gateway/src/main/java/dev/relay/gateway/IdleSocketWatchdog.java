package dev.relay.gateway;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.glassfish.grizzly.Buffer;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.ConnectionProbe;
import org.glassfish.grizzly.nio.NIOConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops TCP connections that hold a socket without becoming a client: no byte was ever written to them (no HTTP answer,
 * so no WebSocket upgrade either) within the auth timeout, or nothing was read from them for twice the idle timeout
 * plus the auth timeout. Without it a connection that sends nothing, or an HTTP request that never ends, or an idle
 * keep-alive connection after {@code /health}, stays open for good (Grizzly's keep-alive timeout is off so that it
 * cannot end WebSockets), and a few thousand of them use up the gateway's file descriptors: neither the session limit
 * nor the per-address handshake limit sees them. WebSocket clients are ended by the gateway itself long before the
 * read limit ({@code 4408} after the idle timeout).
 */
final class IdleSocketWatchdog extends ConnectionProbe.Adapter {
    private static final Logger LOG = LoggerFactory.getLogger(IdleSocketWatchdog.class);

    private static final class Progress {
        final long acceptedNanos = System.nanoTime();
        volatile long lastReadNanos = acceptedNanos;
        volatile boolean answered;
    }

    private final long answerNanos;
    private final long readIdleNanos;
    private final Map<Connection<?>, Progress> connections = new ConcurrentHashMap<>();

    IdleSocketWatchdog(Duration authTimeout, Duration idleTimeout) {
        this.answerNanos = authTimeout.toNanos();
        this.readIdleNanos = idleTimeout.multipliedBy(2).plus(authTimeout).toNanos();
    }

    @Override
    public void onAcceptEvent(Connection serverConnection, Connection clientConnection) {
        connections.put(clientConnection, new Progress());
    }

    @Override
    public void onReadEvent(Connection connection, Buffer data, int size) {
        Progress progress = connections.get(connection);
        if (progress != null && size > 0) {
            progress.lastReadNanos = System.nanoTime();
        }
    }

    @Override
    public void onWriteEvent(Connection connection, Buffer data, long size) {
        Progress progress = connections.get(connection);
        if (progress != null && size > 0) {
            progress.answered = true;
        }
    }

    @Override
    public void onCloseEvent(Connection connection) {
        connections.remove(connection);
    }

    /** Called every second by the gateway's scheduler. */
    void check() {
        long now = System.nanoTime();
        connections.forEach((connection, progress) -> {
            String why = null;
            if (!progress.answered && now - progress.acceptedNanos > answerNanos) {
                why = "no complete HTTP request within " + answerNanos / 1_000_000_000L + " s";
            } else if (now - progress.lastReadNanos > readIdleNanos) {
                why = "nothing read for " + readIdleNanos / 1_000_000_000L + " s";
            }
            if (why != null && connection instanceof NIOConnection nio) {
                // Debug, not info: a slowloris attack would otherwise write one line per socket it opened.
                LOG.debug("Dropping connection {}: {}", connection.getPeerAddress(), why);
                connections.remove(connection);
                nio.terminateSilently();
            }
        });
    }
}
