package dev.relay.artemis;

import dev.relay.core.KeyIdCache;
import dev.relay.core.RelayEngine;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.activemq.artemis.api.core.ActiveMQBuffers;
import org.apache.activemq.artemis.core.io.IOCallback;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * What the broker plugin shares with the pieces Artemis instantiates on its own (the security manager from
 * {@code bootstrap.xml}, the interceptors from {@code broker.xml}): one engine, the connection registry, the inboxes and
 * which names the namespace may hold, the STOMP refusals waiting for their ERROR frames.
 * Installed by {@link RelayBrokerPlugin#registered} and removed on {@code unregistered}; one broker per JVM.
 */
final class RelayRuntime {
    private static final AtomicReference<RelayRuntime> CURRENT = new AtomicReference<>();

    final RelayEngine engine;
    final ConnectionRegistry connections;
    final Inboxes inboxes;
    final SessionCopies copies;
    final RelayArtemisMetrics metrics;
    final RefusalLog refusalLog = new RefusalLog();
    final StompRefusals stompRefusals = new StompRefusals();
    final KeyIdCache keyIds = new KeyIdCache(100_000);
    final NamespaceAddresses namespace = new NamespaceAddresses(keyIds);
    final String clusterUser;
    final PubackReasons pubackReasons = new PubackReasons();
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

    static void install(RelayRuntime runtime) {
        if (!CURRENT.compareAndSet(null, runtime)) {
            throw new IllegalStateException("another Relay plugin is already registered in this JVM");
        }
    }

    static void uninstall(RelayRuntime runtime) {
        CURRENT.compareAndSet(runtime, null);
    }

    /** The running relay, or null before the plugin is registered (or after it stopped). */
    static RelayRuntime current() {
        return CURRENT.get();
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
