package dev.relay.artemis;

import dev.relay.core.KeyIdCache;
import dev.relay.core.RelayEngine;
import java.util.concurrent.atomic.AtomicReference;

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
    final RelayArtemisMetrics metrics;
    final RefusalLog refusalLog = new RefusalLog();
    final StompRefusals stompRefusals = new StompRefusals();
    final KeyIdCache keyIds = new KeyIdCache(100_000);
    final NamespaceAddresses namespace = new NamespaceAddresses(keyIds);
    final String clusterUser;

    RelayRuntime(RelayEngine engine, ConnectionRegistry connections, Inboxes inboxes, RelayArtemisMetrics metrics,
                 String clusterUser) {
        this.engine = engine;
        this.connections = connections;
        this.inboxes = inboxes;
        this.metrics = metrics;
        this.clusterUser = clusterUser;
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
}
