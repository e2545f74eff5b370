package dev.relay.artemis;

import dev.relay.core.KeyIdCache;
import dev.relay.core.RelayEngine;
import org.apache.activemq.artemis.api.core.ActiveMQBuffers;
import org.apache.activemq.artemis.core.io.IOCallback;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * What the broker plugin shares with its interceptors and the security manager: one engine, the connection registry,
 * the inboxes and which names the namespace may hold, the refusals waiting for the answers Artemis words itself.
 * Made by {@link RelayBrokerPlugin#registered}, which hands it to each of them; nothing holds it in a static.
 */
final class RelayRuntime {
    final RelayEngine engine;
    final ConnectionRegistry connections;
    final Inboxes inboxes;
    final SessionCopies copies;
    final RelayArtemisMetrics metrics;
    final RefusalLog refusalLog = new RefusalLog();
    final PendingRefusals pending = new PendingRefusals();
    final KeyIdCache keyIds = new KeyIdCache(100_000);
    final NamespaceAddresses namespace = new NamespaceAddresses(keyIds);
    final String clusterUser;
    private final ActiveMQServer server;

    RelayRuntime(ActiveMQServer server, RelayEngine engine, ConnectionRegistry connections, Inboxes inboxes,
                 SessionCopies copies, RelayArtemisMetrics metrics) {
        this.server = server;
        this.engine = engine;
        this.connections = connections;
        this.inboxes = inboxes;
        this.copies = copies;
        this.metrics = metrics;
        this.clusterUser = server.getConfiguration().getClusterUser();
    }

    /**
     * Writes a packet the relay made in place of one of Artemis' own, after the storage operations this thread is
     * waiting for, as Artemis would have written the packet it replaces: answers keep their order.
     */
    void writeInOrder(RemotingConnection connection, byte[] packet) {
        server.getStorageManager().afterCompleteOperations(new IOCallback() {
            @Override
            public void done() {
                connection.getTransportConnection().write(ActiveMQBuffers.wrappedBuffer(packet), true);
            }

            @Override
            public void onError(int errorCode, String errorMessage) {
                // Artemis drops its own packet in this case too: the connection is failing.
            }
        });
    }
}
