package dev.relay.artemis;

import dev.relay.core.ConnectFacts;
import dev.relay.core.SubscribeOutcome;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.util.Locale;
import java.util.Set;
import javax.security.auth.Subject;
import org.apache.activemq.artemis.core.protocol.mqtt.exceptions.InvalidClientIdException;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager5;
import org.apache.activemq.artemis.spi.core.security.jaas.UserPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Artemis security manager for Relay ({@code <security-manager class-name="dev.relay.artemis.RelaySecurityManager"/>}
 * in {@code etc/bootstrap.xml}). Authentication: username = key id, password = connect token (SPEC §2), on every
 * protocol; a token is accepted once, and a connection's repeat checks are answered from the {@link ConnectionRegistry}.
 * Authorization: an identity sends only into the relay namespace, consumes or browses its own inbox only, never creates
 * or deletes queues there and never manages the broker. Names outside the namespace follow
 * {@code relay.namespace.allow-outside} (denied by default); broker-internal names are always denied. The plugin
 * finds this manager on its broker and attaches its runtime ({@link RelayBrokerPlugin#registered}).
 */
public final class RelaySecurityManager implements ActiveMQSecurityManager5 {
    private static final Logger LOG = LoggerFactory.getLogger(RelaySecurityManager.class);

    private volatile RelayRuntime runtime;

    /** The plugin's runtime while it runs, else null (every connect is then refused). */
    void attach(RelayRuntime running) {
        this.runtime = running;
    }

    /** The relay running in {@code server}, or null when its security manager is not the relay's or not attached. */
    static RelayRuntime runtimeOf(org.apache.activemq.artemis.core.server.ActiveMQServer server) {
        return server.getSecurityManager() instanceof RelaySecurityManager manager ? manager.runtime : null;
    }

    @Override
    public Subject authenticate(String user, String password, RemotingConnection connection, String securityDomain) {
        RelayRuntime runtime = this.runtime;
        if (runtime == null) {
            LOG.error("Relay refused a connect: the Relay broker plugin is not registered (add it to <broker-plugins>)");
            return null;
        }
        Object connectionId = connection == null ? null : connection.getID();
        if (connectionId != null) {
            Subject known = runtime.connections.readmit(connectionId, user, password);
            if (known != null) {
                return known; // Artemis re-checking a connection it already let in: not a second use of the token
            }
        }
        ConnectFacts facts = facts(connection);
        try {
            KeyId identity = runtime.engine.authenticate(user, password, facts);
            Subject subject = subjectOf(identity);
            if (connectionId != null) {
                runtime.connections.admit(connectionId, identity, user, password, subject);
            }
            runtime.metrics.connectsAccepted.increment();
            return subject;
        } catch (RelayException refused) {
            runtime.metrics.connectRefused(refused.code());
            runtime.refusalLog.connectRefused(facts, user, refused);
            if (facts.transport() == ConnectFacts.Transport.STOMP && connectionId != null) {
                runtime.pending.stompConnectRefused(connectionId, refused); // for the code in Artemis' ERROR frame
            }
            if (refused.code() == ErrorCode.BAD_CLIENT_ID && isMqtt(facts.transport())) {
                throw new InvalidClientIdException(); // Artemis answers CONNACK "client identifier not valid"
            }
            return null;
        }
    }

    @Override
    public boolean authorize(Subject subject, Set<Role> roles, CheckType checkType, String address) {
        RelayRuntime runtime = this.runtime;
        KeyId identity = runtime == null ? null : identityOf(runtime, subject);
        if (identity == null) {
            return false;
        }
        boolean allowed = decide(runtime, identity, checkType, address);
        if (!allowed) {
            runtime.metrics.authorizationsRefused.increment();
            LOG.debug("Relay denied {} on '{}' to {}", checkType, address, identity);
        }
        return allowed;
    }

    static boolean decide(RelayRuntime runtime, KeyId identity, CheckType checkType, String address) {
        Address target = Addressing.parseArtemisAddress(address);
        if (target instanceof Address.Outside outside) {
            return runtime.engine.config().allowOutsideNamespace() && !isBrokerInternal(outside.raw())
                    && checkType != CheckType.MANAGE && checkType != CheckType.VIEW && checkType != CheckType.EDIT;
        }
        return switch (checkType) {
            case SEND -> target instanceof Address.Inbox || target instanceof Address.SystemRequests;
            // Artemis creates a missing inbox address when a sender names it; the relay makes it ANYCAST and the
            // relay alone creates the queue (RelayBrokerPlugin), so naming a recipient is all a sender can do.
            // Any other missing name goes on to the plugin, which refuses it before it exists with the relay's
            // reason (NamespaceAddresses): Artemis' own refusal here would not carry one. Addresses that exist
            // keep their routing types.
            case CREATE_ADDRESS -> target instanceof Address.Inbox || target instanceof Address.SystemRequests
                    || !runtime.inboxes.addressExists(address);
            case CONSUME, BROWSE -> runtime.engine.onSubscribe(identity, target) instanceof SubscribeOutcome.Allow;
            // CREATE_/DELETE_ queues, DELETE_ADDRESS, MANAGE, VIEW, EDIT: nothing in the namespace is a client's.
            default -> false;
        };
    }

    /** Names the broker keeps for itself: management, MQTT session and retain state, notifications. */
    private static boolean isBrokerInternal(String address) {
        String name = address.toLowerCase(Locale.ROOT);
        if (name.startsWith("anycast://") || name.startsWith("multicast://")) {
            name = name.substring(name.indexOf("://") + 3);
        }
        return name.startsWith("activemq.") || name.startsWith("$");
    }

    private static KeyId identityOf(RelayRuntime runtime, Subject subject) {
        if (subject == null) {
            return null;
        }
        for (UserPrincipal principal : subject.getPrincipals(UserPrincipal.class)) {
            try {
                return runtime.keyIds.parse(principal.getName());
            } catch (RelayException notAKey) {
                return null;
            }
        }
        return null;
    }

    static Subject subjectOf(KeyId identity) {
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(identity.toString()));
        subject.setReadOnly();
        return subject;
    }

    static ConnectFacts facts(RemotingConnection connection) {
        if (connection == null) {
            return new ConnectFacts(ConnectFacts.Transport.CORE, null, null);
        }
        ConnectFacts.Transport transport = transportOf(connection.getProtocolName());
        // SPEC §2.6 binds MQTT client ids to the key. Artemis replaces an empty one by a random id before it
        // authenticates, so an empty client id is refused as bad_client_id, as on HiveMQ.
        return new ConnectFacts(transport, isMqtt(transport) ? connection.getClientID() : null,
                connection.getRemoteAddress());
    }

    static boolean isMqtt(ConnectFacts.Transport transport) {
        return transport == ConnectFacts.Transport.MQTT3 || transport == ConnectFacts.Transport.MQTT5;
    }

    static ConnectFacts.Transport transportOf(String protocolName) {
        String name = protocolName == null ? "" : protocolName.toUpperCase(Locale.ROOT);
        if (name.equals("MQTT5")) {
            return ConnectFacts.Transport.MQTT5;
        }
        if (name.startsWith("MQTT")) {
            return ConnectFacts.Transport.MQTT3; // 3.1.1, or 5 before its CONNECT was processed
        }
        if (name.startsWith("AMQP")) {
            return ConnectFacts.Transport.AMQP;
        }
        if (name.startsWith("STOMP")) {
            return ConnectFacts.Transport.STOMP;
        }
        return ConnectFacts.Transport.CORE;
    }

    // Older security manager entry points: Artemis calls the ActiveMQSecurityManager5 ones instead.

    @Override
    public boolean validateUser(String user, String password) {
        return false;
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        return false;
    }
}
