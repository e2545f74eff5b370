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
 * Drops TCP connections whose peer stopped reading (SPEC §13.5): data has been waiting in Grizzly's write queue and
 * the socket took no byte for the stall timeout. A WebSocket close cannot end such a connection, because the close
 * frame queues behind the unread data; this terminates the socket itself, whatever state the WebSocket is in.
 */
final class WriteStallWatchdog extends ConnectionProbe.Adapter {
    private static final Logger LOG = LoggerFactory.getLogger(WriteStallWatchdog.class);

    private static final class Progress {
        volatile long lastWriteNanos = System.nanoTime();
        long waitingSinceNanos;
    }

    private final long stallNanos;
    private final Map<Connection<?>, Progress> connections = new ConcurrentHashMap<>();

    WriteStallWatchdog(Duration stall) {
        this.stallNanos = stall.toNanos();
    }

    @Override
    public void onAcceptEvent(Connection serverConnection, Connection clientConnection) {
        connections.put(clientConnection, new Progress());
    }

    @Override
    public void onWriteEvent(Connection connection, Buffer data, long size) {
        Progress progress = connections.get(connection);
        if (progress != null && size > 0) {
            progress.lastWriteNanos = System.nanoTime();
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
            if (!(connection instanceof NIOConnection nio) || nio.getAsyncWriteQueue().spaceInBytes() <= 0) {
                progress.waitingSinceNanos = 0;
                return;
            }
            if (progress.waitingSinceNanos == 0) {
                progress.waitingSinceNanos = now;
            }
            long since = Math.max(progress.waitingSinceNanos, progress.lastWriteNanos);
            if (now - since > stallNanos) {
                LOG.info("Dropping connection {}: {} bytes unread for {} s", connection.getPeerAddress(),
                        nio.getAsyncWriteQueue().spaceInBytes(), stallNanos / 1_000_000_000L);
                connections.remove(connection);
                nio.terminateSilently();
            }
        });
    }

    long tracked() {
        return connections.size();
    }
}
