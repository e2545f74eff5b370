package dev.relay.artemis;

import dev.relay.core.ConnectFacts;
import dev.relay.core.PublishFacts;
import dev.relay.core.PublishOutcome;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.nio.charset.StandardCharsets;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ICoreMessage;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.RoutingContext;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every send into the relay namespace, from any protocol, goes through relay-core here (SPEC §3.7), on the sending
 * thread, before Artemis routes it. Accepted envelopes get the relay's expiry and go to the inbox queue; answered
 * requests and duplicates are acknowledged to the sender and routed nowhere; refusals become the exception each
 * protocol turns into its negative acknowledgement ({@link Refusals}).
 */
final class InboundSends {
    private static final Logger LOG = LoggerFactory.getLogger(InboundSends.class);
    private static final SimpleString MQTT_RETAIN = SimpleString.of("mqtt.message.retain");
    private static final SimpleString MQTT_QOS = SimpleString.of("mqtt.qos.level");
    /**
     * The routing-type prefix of SPEC §4.1. When it reaches the plugin, the acceptor does not resolve it (no
     * {@code anycastPrefix}) and Artemis would route to a literal address of that name, where no inbox queue is.
     */
    private static final String LITERAL_ANYCAST_PREFIX = "anycast://";
    /** STOMP copies frame headers into message properties: the receipt the refused SEND asked for. */
    private static final SimpleString STOMP_RECEIPT = SimpleString.of("receipt");
    /** Above this encoded size a message cannot hold a valid envelope (SPEC §3.6), whatever its framing. */
    private static final int MAX_ENCODED = 2 * Envelope.MAX_ENVELOPE_BYTES;

    /** A message this thread accepted but must not route (answered request, duplicate); see {@link #beforeRoute}. */
    private final ThreadLocal<Message> discard = new ThreadLocal<>();

    private final RelayRuntime runtime;

    InboundSends(RelayRuntime runtime) {
        this.runtime = runtime;
    }

    void beforeSend(ServerSession session, Message message) throws ActiveMQException {
        discard.remove();
        runtime.pending.clearVetoed();
        SimpleString rawAddress = message.getAddressSimpleString();
        if (rawAddress == null) {
            return;
        }
        Address address = Addressing.parseArtemisAddress(rawAddress.toString());
        RemotingConnection connection = session.getRemotingConnection();
        KeyId identity = connection == null ? null : runtime.connections.identityOf(connection.getID());
        if (identity == null) {
            if (address instanceof Address.Outside || isClusterSession(session)) {
                return; // not a relay client: broker-internal, cluster-internal, or outside the namespace
            }
            throw Refusals.forbidden("this connection is not authenticated by the relay");
        }
        ConnectFacts.Transport transport = RelaySecurityManager.transportOf(connection.getProtocolName());
        PublishFacts facts = new PublishFacts(transport, qos(message),
                RelaySecurityManager.isMqtt(transport) && message.getBooleanProperty(MQTT_RETAIN), null,
                String.valueOf(connection.getID()));
        byte[] payload = new byte[0];
        PublishOutcome outcome;
        try {
            if (address instanceof Address.Inbox && rawAddress.toString().startsWith(LITERAL_ANYCAST_PREFIX)) {
                // Accepted, the envelope would go to an address without queues and be lost: refuse before the engine
                // records anything, so that the sender can send it again under the inbox's plain name.
                throw new RelayException(ErrorCode.FORBIDDEN, "this listener does not resolve the anycast:// prefix;"
                        + " send to the inbox's plain name");
            }
            if (!(address instanceof Address.Outside)) {
                payload = payload(message);
            }
            if (address instanceof Address.Inbox inbox
                    && runtime.namespace.refusal(Inboxes.inboxName(inbox.keyId()).toString()) == null) {
                routableToInbox(message, inbox); // (an inbox of no key is the engine's to refuse, as malformed)
            }
            outcome = runtime.engine.onPublish(identity, facts, address, payload);
        } catch (RelayException early) {
            outcome = runtime.engine.refuse(identity, facts, payload, early);
        }
        apply(outcome, session, message, identity, facts, rawAddress, payload);
    }

    private void apply(PublishOutcome outcome, ServerSession session, Message message, KeyId identity,
                       PublishFacts facts, SimpleString rawAddress, byte[] payload) throws ActiveMQException {
        ConnectFacts.Transport transport = facts.transport();
        try {
            if (outcome instanceof PublishOutcome.Deliver deliver) {
                message.setExpiration(deliver.expiresAtMillis());
                message.setDurable(true);
                message.putStringProperty(Inboxes.FROM, SimpleString.of(deliver.envelope().from()));
                message.putStringProperty(Inboxes.ID, SimpleString.of(deliver.envelope().id()));
                if (qos(message) < 1) {
                    message.putIntProperty(MQTT_QOS, 1); // forwarded at QoS 1 so it waits for offline devices
                }
                message.reencode();
                runtime.metrics.accepted.increment();
                copyToPassingSessions(deliver, payload);
            } else if (outcome instanceof PublishOutcome.Reply reply) {
                runtime.metrics.requests.increment();
                runtime.inboxes.deliverFromRelay(reply.requester(), reply.reply());
                discard.set(message);
            } else if (outcome instanceof PublishOutcome.Duplicate) {
                runtime.metrics.duplicates.increment();
                discard.set(message);
            } else if (outcome instanceof PublishOutcome.Parked parked) {
                // Artemis always has the inbox queue (BrokerSessions.ALWAYS), so the engine never parks here.
                LOG.error("Relay engine parked a message for {} on Artemis; it stays in the relay store",
                        parked.recipient());
                discard.set(message);
            } else if (outcome instanceof PublishOutcome.Reject reject) {
                refuse(session, message, identity, rawAddress, facts, reject);
            }
            // PassThrough: outside the namespace and the operator allows it; the broker's own rules apply.
        } catch (ActiveMQException refusal) {
            throw refusal;
        } catch (Exception e) {
            LOG.error("Relay failed to apply its decision on a send by {} to {}; refused it", identity, rawAddress, e);
            throw Refusals.forSend(new RelayException(ErrorCode.INTERNAL, "relay internal error"),
                    RelaySecurityManager.isMqtt(transport));
        }
    }

    private void refuse(ServerSession session, Message message, KeyId identity, SimpleString rawAddress,
                        PublishFacts facts, PublishOutcome.Reject reject) throws ActiveMQException {
        RelayException error = reject.error();
        ConnectFacts.Transport transport = facts.transport();
        runtime.metrics.publishRefused(error.code());
        runtime.refusalLog.sendRefused(identity, transport, rawAddress.toString(), error);
        boolean mqtt = RelaySecurityManager.isMqtt(transport);
        Object connectionId = session.getRemotingConnection().getID();
        if (transport == ConnectFacts.Transport.STOMP) {
            runtime.pending.stompSendRefused(connectionId, error.reasonString(), message.getStringProperty(STOMP_RECEIPT));
        }
        if (transport == ConnectFacts.Transport.MQTT5 && facts.answerCarriesCode()) {
            runtime.pending.vetoed(connectionId, error); // the PUBACK carries the code (SPEC §10.4)
        }
        // Made for the sending connection alone, so no other session of the identity takes it (SPEC §10.2).
        reject.notice().ifPresent(notice -> runtime.inboxes.sendNotice(connectionId, identity, notice));
        throw Refusals.forSend(error, mqtt);
    }

    /**
     * Checks, before the engine records anything (a refused envelope leaves no trace, SPEC §3.7), that an accepted
     * message would reach the inbox queue: the queue exists, and the message is not routed MULTICAST, which would miss
     * the ANYCAST queue and vanish.
     */
    private void routableToInbox(Message message, Address.Inbox inbox) throws RelayException {
        if (message.getRoutingType() == RoutingType.MULTICAST) {
            throw new RelayException(ErrorCode.INTERNAL, "inbox address was being created; send it again");
        }
        try {
            runtime.inboxes.ensureInbox(inbox.keyId());
        } catch (Exception e) {
            LOG.error("Relay could not create the inbox of {}; refused a send to it", inbox.keyId(), e);
            throw new RelayException(ErrorCode.INTERNAL, "the inbox could not be created; send it again");
        }
    }

    /**
     * The copies for passing sessions (SPEC §13.3). The send is accepted and recorded by now and its durable original
     * is routed either way, so a failure here is logged, not turned into a refusal the sender would act on.
     */
    private void copyToPassingSessions(PublishOutcome.Deliver deliver, byte[] envelope) {
        try {
            runtime.copies.toPassingSessions(deliver.recipient(), envelope, deliver.expiresAtMillis());
        } catch (Exception e) {
            LOG.error("Relay could not copy an envelope for the passing sessions of {}", deliver.recipient(), e);
        }
    }

    /**
     * The envelope bytes of a broker message, whatever protocol it came from (SPEC §11): MQTT and STOMP-with-length
     * messages carry them as a bytes body, AMQP as a data section (or an amqp-value), STOMP without a content-length as
     * a text body. AMQP messages are read through Artemis' own AMQP-to-core conversion.
     */
    private static byte[] payload(Message message) throws RelayException {
        if (message.isLargeMessage() || message.getEncodeSize() > MAX_ENCODED) {
            throw new RelayException(ErrorCode.TOO_LARGE, "message larger than " + Envelope.MAX_ENVELOPE_BYTES
                    + " bytes (an acceptor's large-message threshold below that also refuses it)");
        }
        ICoreMessage core = message.toCore();
        ActiveMQBuffer body = core.getReadOnlyBodyBuffer();
        if (core.getType() == Message.TEXT_TYPE) {
            SimpleString text = body.readNullableSimpleString();
            return text == null ? new byte[0] : text.toString().getBytes(StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[body.readableBytes()];
        body.readBytes(bytes);
        return bytes;
    }

    /** The MQTT QoS of the send; 1 for the other protocols, which always acknowledge. */
    private static int qos(Message message) {
        return message.containsProperty(MQTT_QOS) ? message.getIntProperty(MQTT_QOS) : 1;
    }

    /** Called by Artemis after it picked the queues for a message and before it stores it there. */
    void beforeRoute(Message message, RoutingContext context) {
        if (discard.get() == message) {
            discard.remove();
            context.clear(); // the sender gets its success; the message goes nowhere
        }
    }

    void afterSend() {
        discard.remove();
    }

    private boolean isClusterSession(ServerSession session) {
        return runtime.clusterUser != null && runtime.clusterUser.equals(session.getUsername());
    }
}
