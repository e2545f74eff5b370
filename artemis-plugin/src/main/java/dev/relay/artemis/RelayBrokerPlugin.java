package dev.relay.artemis;

import dev.relay.core.RelayConfig;
import dev.relay.core.RelayEngine;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.BaseInterceptor;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.persistence.OperationContext;
import org.apache.activemq.artemis.core.security.SecurityAuth;
import org.apache.activemq.artemis.core.server.ActivateCallback;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.RoutingContext;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.impl.AckReason;
import org.apache.activemq.artemis.core.server.impl.AddressInfo;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.protocol.SessionCallback;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Address;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relay inside Apache Artemis ({@code <broker-plugin class-name="dev.relay.artemis.RelayBrokerPlugin">} in
 * {@code broker.xml}, properties = the {@code relay.*} settings of docs/operations.md). Wires the engine, the inboxes
 * and the send decisions into the broker's hooks, installs its MQTT and STOMP interceptors and attaches to the
 * {@link RelaySecurityManager}: all of them share this plugin's {@link RelayRuntime}. Holds no relay logic itself.
 * Observation hooks never throw into the broker; the veto hooks throw {@link ActiveMQException}s, the only way Artemis
 * lets a plugin refuse.
 */
public final class RelayBrokerPlugin implements ActiveMQServerPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(RelayBrokerPlugin.class);
    private static final long HOUSEKEEPING_SECONDS = 30;

    private Map<String, String> properties = Map.of();
    private volatile RelayRuntime runtime;
    private InboundSends sends;
    private ScheduledExecutorService upkeep;
    private ActiveMQServer server;
    private List<BaseInterceptor<?>> incoming = List.of();
    private List<BaseInterceptor<?>> outgoing = List.of();

    /** Reads the plugin properties; a bad or unknown {@code relay.*} key fails the broker's start, naming the key. */
    @Override
    public void init(Map<String, String> properties) {
        this.properties = Map.copyOf(properties);
        RelayConfig.fromProperties(this.properties, Path.of("data", "relay")); // validate now: fail before start
    }

    @Override
    public void registered(ActiveMQServer server) {
        if (server.getConfiguration().isSecurityEnabled() && server.getConfiguration().getAuthenticationCacheSize() != 0) {
            // Artemis caches logins by user name and password: a second connection with the same token would be let
            // in without asking the security manager, so a token could be accepted twice.
            throw new IllegalStateException("Relay needs <authentication-cache-size>0</authentication-cache-size> in "
                    + "broker.xml (currently " + server.getConfiguration().getAuthenticationCacheSize()
                    + "): connect tokens are single-use");
        }
        if (!(server.getSecurityManager() instanceof RelaySecurityManager securityManager)) {
            throw new IllegalStateException("Relay needs its security manager in bootstrap.xml (docs/artemis.md): "
                    + RelaySecurityManager.class.getName());
        }
        Path journal = server.getConfiguration().getJournalLocation().toPath().toAbsolutePath();
        Path defaultDataDir = journal.getParent() == null ? Path.of("relay") : journal.getParent().resolve("relay");
        RelayConfig config = RelayConfig.fromProperties(properties, defaultDataDir);
        RelayEngine engine = RelayEngine.open(config); // BrokerSessions.ALWAYS: every recipient has its inbox queue
        RelayArtemisMetrics metrics = new RelayArtemisMetrics();
        ConnectionRegistry connections = new ConnectionRegistry();
        SessionCopies copies = new SessionCopies(server, connections);
        Inboxes inboxes = new Inboxes(server, config.maxTtlSeconds(), copies);
        runtime = new RelayRuntime(server, engine, connections, inboxes, copies, metrics);
        sends = new InboundSends(runtime);
        this.server = server;
        securityManager.attach(runtime);
        // Installed here, not named in broker.xml, so that each gets this plugin's runtime: without the incoming one a
        // refused MQTT subscription would delete an inbox and a will into the namespace would be accepted.
        incoming = List.of(new RelayMqttInboundInterceptor(runtime));
        outgoing = List.of(new RelayMqttOutboundInterceptor(runtime), new RelayStompInterceptor(runtime.pending));
        incoming.forEach(server.getRemotingService()::addIncomingInterceptor);
        outgoing.forEach(server.getRemotingService()::addOutgoingInterceptor);
        Map<String, AddressSettings> configured = server.getConfiguration().getAddressSettings();
        AddressSettings namespace = RelayAddressSettings.namespace(configured, config.maxTtlSeconds());
        server.getAddressSettingsRepository().addMatch(RelayAddressSettings.MATCH, namespace);
        server.getAddressSettingsRepository().addMatch(RelayAddressSettings.EXPIRED_MATCH,
                RelayAddressSettings.expired(namespace));
        server.registerActivateCallback(new ActivateCallback() {
            @Override
            public void activated() {
                onActivated(server);
            }

            @Override
            public void deActivate() {
                stopRelay(); // Artemis does not call unregistered() when the broker stops
            }
        });
        upkeep = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "relay-upkeep");
            thread.setDaemon(true);
            return thread;
        });
        upkeep.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_SECONDS, HOUSEKEEPING_SECONDS, TimeUnit.SECONDS);
        LOG.info("Relay plugin registered: realm '{}', relay key {}, data in {}", config.realm(), engine.relayKeyId(),
                config.dataDir());
    }

    private void onActivated(ActiveMQServer server) {
        try {
            runtime.inboxes.ensureSystemAddresses();
            if (server.getMetricsManager() != null) {
                runtime.metrics.bindTo(server.getMetricsManager().getMeterRegistry());
            }
        } catch (Exception e) {
            LOG.error("Relay could not create its system addresses; requests will fail until it can", e);
        }
    }

    @Override
    public void unregistered(ActiveMQServer server) {
        stopRelay();
    }

    private synchronized void stopRelay() {
        if (runtime == null) {
            return;
        }
        upkeep.shutdown(); // let delivery records already handed over reach the store
        try {
            if (!upkeep.awaitTermination(5, TimeUnit.SECONDS)) {
                upkeep.shutdownNow();
            }
        } catch (InterruptedException e) {
            upkeep.shutdownNow();
            Thread.currentThread().interrupt();
        }
        incoming.forEach(server.getRemotingService()::removeIncomingInterceptor);
        outgoing.forEach(server.getRemotingService()::removeOutgoingInterceptor);
        if (server.getSecurityManager() instanceof RelaySecurityManager securityManager) {
            securityManager.attach(null);
        }
        runtime.metrics.unbind();
        runtime.engine.close();
        runtime = null;
        LOG.info("Relay plugin stopped");
    }

    /** The counters, for tests and for operators embedding the broker. */
    public RelayArtemisMetrics metrics() {
        return runtime.metrics;
    }

    private void housekeeping() {
        try {
            runtime.metrics.expired.add(runtime.engine.housekeeping());
        } catch (RuntimeException e) {
            LOG.error("Relay housekeeping failed; it runs again in {} s", HOUSEKEEPING_SECONDS, e);
        }
    }

    // ---------------------------------------------------------------- sessions and connections

    /**
     * Artemis caches successful logins by username and password, so a replayed token could skip the security manager
     * on a new connection: only connections the relay admitted itself may open sessions.
     */
    @Override
    public void beforeCreateSession(String name, String username, int minLargeMessageSize,
                                    RemotingConnection connection, boolean autoCommitSends, boolean autoCommitAcks,
                                    boolean preAcknowledge, boolean xa, String defaultAddress, SessionCallback callback,
                                    boolean autoCreateQueues, OperationContext context,
                                    Map<SimpleString, RoutingType> prefixes) throws ActiveMQException {
        if (connection == null || username == null || username.equals(runtime.clusterUser)) {
            return; // broker-internal and cluster sessions
        }
        KeyId admitted = runtime.connections.identityOf(connection.getID());
        if (admitted == null || !admitted.toString().equals(username)) {
            throw Refusals.forbidden("replay: this connection's credentials were not checked by the relay"
                    + " (a connect token is accepted once)");
        }
    }

    @Override
    public void afterCreateSession(ServerSession session) {
        RemotingConnection connection = session.getRemotingConnection();
        KeyId identity = connection == null ? null : runtime.connections.identityOf(connection.getID());
        if (identity == null || !runtime.connections.announce(connection.getID())) {
            return;
        }
        try {
            runtime.inboxes.ensureInbox(identity.toString());
        } catch (Exception e) {
            LOG.error("Relay could not create the inbox of {}", identity, e);
        }
        runtime.engine.onConnected(identity, RelaySecurityManager.facts(connection));
    }

    @Override
    public void afterDestroyConnection(RemotingConnection connection) {
        runtime.pending.forget(connection.getID());
        ConnectionRegistry.Admission admission = runtime.connections.remove(connection.getID());
        runtime.copies.closed(admission);
        if (admission != null && admission.announced()) {
            runtime.engine.onDisconnected(admission.identity());
        }
    }

    // ---------------------------------------------------------------- sends

    @Override
    public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct,
                           boolean noAutoCreateQueue) throws ActiveMQException {
        sends.beforeSend(session, message);
    }

    @Override
    public void beforeMessageRoute(Message message, RoutingContext context, boolean direct, boolean rejectDuplicates) {
        sends.beforeRoute(message, context);
    }

    @Override
    public void afterSend(ServerSession session, Transaction tx, Message message, boolean direct,
                          boolean noAutoCreateQueue, org.apache.activemq.artemis.core.postoffice.RoutingStatus result) {
        sends.afterSend();
    }

    @Override
    public void onSendException(ServerSession session, Transaction tx, Message message, boolean direct,
                                boolean noAutoCreateQueue, Exception e) {
        sends.afterSend();
    }

    // ---------------------------------------------------------------- delivery and expiry

    /**
     * The engine's TTL rule at delivery (SPEC §6.3): an expired envelope goes to no one (Artemis' expiry moves it to
     * the expiry address). Lasting sessions read the inbox, passing sessions their copies (SPEC §13.3).
     */
    @Override
    public boolean canAccept(ServerConsumer consumer, MessageReference reference) {
        RelayRuntime running = runtime;
        if (running == null) {
            return true;
        }
        Message message = reference.getMessage();
        if (message.getExpiration() != 0 && isRelayName(reference.getQueue().getAddress())
                && running.engine.ttlLeftSeconds(message.getExpiration()) == 0) {
            return false;
        }
        return running.copies.accepts(consumer, reference);
    }

    @Override
    public void messageAcknowledged(Transaction tx, MessageReference ref, AckReason reason, ServerConsumer consumer) {
        if (reason != AckReason.NORMAL || consumer == null) {
            return;
        }
        Message message = ref.getMessage();
        String from = message.getStringProperty(Inboxes.FROM);
        String id = message.getStringProperty(Inboxes.ID);
        if (from == null || id == null) {
            return;
        }
        runtime.metrics.delivered.increment();
        // The store write happens off the broker's delivery thread.
        upkeep.execute(() -> {
            try {
                runtime.engine.markDelivered(from, id);
            } catch (RuntimeException e) {
                LOG.error("Relay could not record the delivery of {} from {}", id, from, e);
            }
        });
    }

    @Override
    public void messageExpired(MessageReference message, SimpleString messageExpiryAddress, ServerConsumer consumer) {
        if (message.getMessage().getStringProperty(Inboxes.ID) != null) {
            runtime.metrics.expired.increment(); // the relay store records it as expired in housekeeping
        }
    }

    // ---------------------------------------------------------------- the inboxes belong to the relay

    /** Only the relay's own names come into being in the namespace (SPEC §3.7, §4.1); see {@link NamespaceAddresses}. */
    @Override
    public void beforeAddAddress(AddressInfo addressInfo, boolean reload) throws ActiveMQException {
        String name = addressInfo.getName().toString();
        RelayException refusal = reload || runtime == null ? null : runtime.namespace.refusal(name);
        if (refusal != null) {
            runtime.metrics.authorizationsRefused.increment();
            LOG.debug("Relay refused to create the address '{}': {}", name, refusal.reasonString());
            throw Refusals.forAddress(refusal);
        }
        if (Addressing.parseArtemisAddress(name) instanceof Address.Inbox) {
            // MQTT creates missing addresses as MULTICAST; an inbox is ANYCAST whoever names it first.
            addressInfo.setRoutingTypes(java.util.EnumSet.of(RoutingType.ANYCAST));
        }
    }

    /**
     * When a client names an inbox that does not exist yet (an AMQP sender link, a STOMP SEND), Artemis creates its
     * address (only for a valid key id, {@link #beforeAddAddress}); the relay then creates the inbox queue at once, so
     * that the sender can attach and the message waits.
     */
    @Override
    public void afterAddAddress(AddressInfo addressInfo, boolean reload) {
        if (reload || runtime == null) {
            return;
        }
        if (Addressing.parseArtemisAddress(addressInfo.getName().toString()) instanceof Address.Inbox inbox) {
            try {
                runtime.inboxes.ensureInbox(inbox.keyId());
            } catch (Exception e) {
                LOG.error("Relay could not create the inbox queue of {}", inbox.keyId(), e);
            }
        }
    }

    @Override
    public void beforeDestroyQueue(Queue queue, SecurityAuth session, boolean checkConsumerCount,
                                   boolean removeConsumers, boolean autoDeleteAddress) throws ActiveMQException {
        if (isClientOfRelay(session) && isRelayName(queue.getAddress())) {
            throw Refusals.forbidden("queues in the relay namespace are the relay's");
        }
    }

    private boolean isClientOfRelay(SecurityAuth session) {
        return session != null && session.getRemotingConnection() != null
                && runtime.connections.identityOf(session.getRemotingConnection().getID()) != null;
    }

    private static boolean isRelayName(SimpleString name) {
        return name != null && name.toString().startsWith(Addressing.ARTEMIS_NAMESPACE);
    }
}
