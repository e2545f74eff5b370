package dev.relay.artemis;

import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import java.util.EnumSet;
import java.util.List;
import org.apache.activemq.artemis.api.core.ActiveMQAddressExistsException;
import org.apache.activemq.artemis.api.core.ActiveMQQueueExistsException;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.message.impl.CoreMessage;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.impl.AddressInfo;

/**
 * The inboxes: one durable ANYCAST queue per identity, named like its address (SPEC §4.1), created by the relay and
 * only by the relay, so that a message to a recipient that never connected waits, and no client decides its shape.
 */
final class Inboxes {
    /** Message properties naming the envelope, so that broker events (ack, expiry) can be tied to the relay store. */
    static final SimpleString FROM = SimpleString.of("relay_from");
    static final SimpleString ID = SimpleString.of("relay_id");
    static final SimpleString SYSTEM_ADDRESS = SimpleString.of(Addressing.ARTEMIS_SYSTEM_ADDRESS);
    /** Where the broker moves envelopes whose TTL ran out; inside the namespace, so no client can read it. */
    static final SimpleString EXPIRY_ADDRESS = SimpleString.of("relay.v1.expired");
    /** Where messages go if an operator limits delivery attempts (unlimited by default). */
    static final SimpleString DEAD_LETTER_ADDRESS = SimpleString.of("relay.v1.dead");
    /** The namespace's names that are not inboxes: the system address, the expiry and the dead-letter address. */
    static final List<SimpleString> RELAY_ADDRESSES = List.of(SYSTEM_ADDRESS, EXPIRY_ADDRESS, DEAD_LETTER_ADDRESS);

    private final ActiveMQServer server;
    private final long maxTtlSeconds;
    private final SessionCopies copies;

    Inboxes(ActiveMQServer server, long maxTtlSeconds, SessionCopies copies) {
        this.server = server;
        this.maxTtlSeconds = maxTtlSeconds;
        this.copies = copies;
    }

    static SimpleString inboxName(String keyId) {
        return SimpleString.of(Addressing.artemisInbox(keyId));
    }

    boolean addressExists(String name) {
        return server.getAddressInfo(SimpleString.of(name)) != null;
    }

    /** Makes sure the inbox queue of {@code keyId} exists (idempotent, safe under races). */
    void ensureInbox(String keyId) throws Exception {
        ensureQueue(inboxName(keyId));
    }

    private void ensureQueue(SimpleString name) throws Exception {
        if (server.locateQueue(name) != null) {
            return;
        }
        ensureAnycastAddress(name);
        try {
            server.createQueue(QueueConfiguration.of(name).setAddress(name).setRoutingType(RoutingType.ANYCAST)
                    .setDurable(true).setAutoCreateAddress(false).setAutoCreated(false).setAutoDelete(false)
                    .setPurgeOnNoConsumers(false));
        } catch (ActiveMQQueueExistsException raced) {
            // Another thread made it first: fine.
        }
    }

    /**
     * The relay's own addresses, each with its queue. Requests never stay in the system queue (the plugin routes them
     * nowhere once answered), but AMQP and STOMP senders need a queue to exist to attach or send.
     */
    void ensureSystemAddresses() throws Exception {
        for (SimpleString name : RELAY_ADDRESSES) {
            ensureQueue(name);
        }
    }

    private void ensureAnycastAddress(SimpleString name) throws Exception {
        AddressInfo existing = server.getAddressInfo(name);
        if (existing == null) {
            try {
                server.addAddressInfo(new AddressInfo(name, RoutingType.ANYCAST));
                return;
            } catch (ActiveMQAddressExistsException raced) {
                existing = server.getAddressInfo(name);
            }
        }
        if (existing != null && !existing.getRoutingTypes().contains(RoutingType.ANYCAST)) {
            EnumSet<RoutingType> types = EnumSet.copyOf(existing.getRoutingTypes());
            types.add(RoutingType.ANYCAST);
            server.updateAddressInfo(name, types);
        }
    }

    /**
     * Puts one of the relay's own envelopes (a response) into {@code recipient}'s inbox, and a copy for each of its
     * passing sessions ({@link SessionCopies}).
     */
    void deliverFromRelay(KeyId recipient, Envelope envelope) throws Exception {
        ensureInbox(recipient.toString());
        byte[] json = envelope.toJson();
        long expiresAt = envelope.expiresAtMillis(maxTtlSeconds);
        Message message = envelopeMessage(server, recipient, json, expiresAt);
        message.putStringProperty(FROM, SimpleString.of(envelope.from()));
        message.putStringProperty(ID, SimpleString.of(envelope.id()));
        server.getPostOffice().route(message, true);
        copies.toPassingSessions(recipient, json, expiresAt);
    }

    /**
     * Puts one of the relay's envelopes into the inbox for one connection of its identity only: the error envelope of
     * a publish that connection made (SPEC §10.2). A failure is logged: the publish was refused either way.
     */
    void sendNotice(Object connectionId, KeyId identity, Envelope notice) {
        try {
            ensureInbox(identity.toString());
            copies.toConnection(connectionId, notice.toJson(), notice.expiresAtMillis(maxTtlSeconds));
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Inboxes.class)
                    .error("Relay could not put an error envelope into the inbox of {}", identity, e);
        }
    }

    /** A durable core message holding {@code envelope}, addressed to {@code recipient}'s inbox. */
    static Message envelopeMessage(ActiveMQServer server, KeyId recipient, byte[] envelope, long expiresAtMillis) {
        CoreMessage message = new CoreMessage(server.getStorageManager().generateID(), envelope.length + 256);
        message.setType(Message.BYTES_TYPE);
        message.getBodyBuffer().writeBytes(envelope);
        message.setAddress(inboxName(recipient.toString()));
        message.setRoutingType(RoutingType.ANYCAST);
        message.setDurable(true);
        message.setTimestamp(System.currentTimeMillis());
        message.setExpiration(expiresAtMillis);
        return message;
    }
}
