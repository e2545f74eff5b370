package dev.relay.artemis;

import dev.relay.protocol.Addressing;
import dev.relay.protocol.KeyId;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.filter.impl.FilterImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.ServerConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who reads what of an inbox queue (SPEC §4.5, §13.3). The queue's own messages belong to the identity's
 * <em>lasting</em> sessions, which compete for them; a <em>passing</em> session (one that ends with its connection)
 * never takes them, so a one-shot command cannot consume what waits for a device. Instead each passing session reads
 * copies made for it of everything its identity is sent while it is connected, and every connection reads the error
 * envelopes of its own refused publishes, which are made for it alone. A copy is a non-durable message in the same
 * queue that names its reader's connection; copies left when the connection ends are deleted.
 */
final class SessionCopies {
    private static final Logger LOG = LoggerFactory.getLogger(SessionCopies.class);
    /** The connection tag ({@link ConnectionRegistry.Admission#tag}) of the one reader of a copy. */
    static final SimpleString COPY_FOR = SimpleString.of("relay_copy_for");
    private static final SimpleString INBOX_PREFIX = SimpleString.of(Addressing.ARTEMIS_INBOX_PREFIX);

    private final ActiveMQServer server;
    private final ConnectionRegistry connections;
    /** Tags of connections that were sent copies: only those need a clean-up when they end. */
    private final Set<String> copiedTo = ConcurrentHashMap.newKeySet();

    SessionCopies(ActiveMQServer server, ConnectionRegistry connections) {
        this.server = server;
        this.connections = connections;
    }

    /** A copy of an envelope just put into {@code recipient}'s inbox for each of its connected passing sessions. */
    void toPassingSessions(KeyId recipient, byte[] envelope, long expiresAtMillis) throws Exception {
        for (ConnectionRegistry.Admission passing : connections.passingSessionsOf(recipient)) {
            route(passing, envelope, expiresAtMillis);
        }
    }

    /** A copy for one connection only; none if the connection is gone. */
    void toConnection(Object connectionId, byte[] envelope, long expiresAtMillis) throws Exception {
        ConnectionRegistry.Admission reader = connections.admission(connectionId);
        if (reader != null) {
            route(reader, envelope, expiresAtMillis);
        }
    }

    private void route(ConnectionRegistry.Admission reader, byte[] envelope, long expiresAtMillis) throws Exception {
        Message copy = Inboxes.envelopeMessage(server, reader.identity(), envelope, expiresAtMillis);
        copy.setDurable(false); // a copy is for a connection; nothing of it should outlive the broker's run
        copy.putStringProperty(COPY_FOR, SimpleString.of(reader.tag()));
        copiedTo.add(reader.tag());
        server.getPostOffice().route(copy, true);
    }

    /**
     * Whether {@code consumer} may take {@code ref} ({@code canAccept} of Artemis' broker plugin, on every delivery
     * attempt): an inbox's own messages only to lasting sessions, a copy only to the connection it names.
     */
    boolean accepts(ServerConsumer consumer, MessageReference ref) {
        Queue queue = ref.getQueue();
        if (queue == null || !queue.getName().startsWith(INBOX_PREFIX)) {
            return true;
        }
        Message message = ref.getMessage();
        // The relay makes every message it puts into an inbox durable, except copies: a cheap test before a lookup.
        SimpleString copyFor = message.isDurable() ? null : message.getSimpleStringProperty(COPY_FOR);
        ConnectionRegistry.Admission reader = connections.admission(consumer.getConnectionID());
        if (copyFor == null) {
            return reader == null || !reader.passing();
        }
        return reader != null && copyFor.toString().equals(reader.tag());
    }

    /** Deletes the copies a closed connection did not take. */
    void closed(ConnectionRegistry.Admission admission) {
        if (admission == null || !copiedTo.remove(admission.tag())) {
            return;
        }
        Queue inbox = server.locateQueue(Inboxes.inboxName(admission.identity().toString()));
        if (inbox == null) {
            return;
        }
        try {
            inbox.deleteMatchingReferences(FilterImpl.createFilter(COPY_FOR + " = '" + admission.tag() + "'"));
        } catch (Exception e) {
            LOG.warn("Relay could not delete the copies left for a closed session of {}; they expire with their TTL",
                    admission.identity(), e);
        }
    }
}
