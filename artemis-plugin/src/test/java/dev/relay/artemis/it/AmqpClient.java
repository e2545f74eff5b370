package dev.relay.artemis.it;

import dev.relay.protocol.Addressing;
import dev.relay.tck.RelayBinding;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.DeliveryState;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.apache.qpid.protonj2.client.Rejected;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.apache.qpid.protonj2.client.exceptions.ClientResourceRemotelyClosedException;

/** An AMQP 1.0 client (Qpid ProtonJ2): SASL PLAIN with the connect token, unsettled sends, explicit accepts. */
final class AmqpClient implements ArtemisClient {
    private static final Client CLIENT = Client.create();

    private final Connection connection;
    private final String keyId;
    private final Map<String, Sender> senders = new ConcurrentHashMap<>();
    private Receiver inbox;
    private volatile String lastCondition;

    private AmqpClient(Connection connection, String keyId) {
        this.connection = connection;
        this.keyId = keyId;
    }

    /** Connects; a refused SASL exchange throws {@link RelayBinding.ConnectRefusedException}. */
    static AmqpClient connect(BrokerEndpoints broker, String username, String password) throws Exception {
        ConnectionOptions options = new ConnectionOptions().user(username).password(password)
                .openTimeout(10, TimeUnit.SECONDS).sendTimeout(10, TimeUnit.SECONDS).requestTimeout(10, TimeUnit.SECONDS);
        options.saslOptions().addAllowedMechanism("PLAIN");
        Connection connection = CLIENT.connect(broker.amqpHost(), broker.amqpPort(), options);
        try {
            connection.openFuture().get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            connection.close();
            throw new RelayBinding.ConnectRefusedException("AMQP: " + e.getCause());
        }
        return new AmqpClient(connection, username);
    }

    @Override
    public String keyId() {
        return keyId;
    }

    /** Opens the receiver on the own inbox that {@link #receive} reads, with explicit accepts. */
    @Override
    public void subscribeOwnInbox() throws Exception {
        inbox = connection.openReceiver(Addressing.artemisInbox(keyId), new ReceiverOptions().autoAccept(false));
        inbox.openFuture().get(10, TimeUnit.SECONDS);
    }

    @Override
    public boolean tryConsume(String address) {
        try {
            Receiver receiver = connection.openReceiver(address);
            receiver.openFuture().get(10, TimeUnit.SECONDS);
            receiver.close();
            return true;
        } catch (Exception refused) {
            return false;
        }
    }

    /**
     * Sends on a sender link to {@code address} (opened on first use). A link the broker refuses at attach is a refused
     * send with the attach's error description (SPEC §10.9).
     */
    @Override
    public RelayBinding.Sent sendTo(String address, byte[] payload) throws Exception {
        Sender sender = senders.get(address);
        if (sender == null) {
            sender = connection.openSender(address);
            try {
                sender.openFuture().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ClientResourceRemotelyClosedException closed
                        && closed.getErrorCondition() != null) {
                    lastCondition = closed.getErrorCondition().condition();
                    return new RelayBinding.Sent(true, closed.getErrorCondition().description());
                }
                throw e;
            }
            senders.put(address, sender);
        }
        Tracker tracker = sender.send(Message.create(payload).contentType("application/json"));
        tracker.awaitSettlement(10, TimeUnit.SECONDS);
        DeliveryState state = tracker.remoteState();
        if (state != null && state.isRejected()) {
            Rejected rejected = (Rejected) state;
            lastCondition = rejected.getCondition();
            return new RelayBinding.Sent(true, rejected.getDescription());
        }
        if (state == null || !state.isAccepted()) {
            throw new IllegalStateException("no accepted or rejected outcome: " + state);
        }
        return RelayBinding.Sent.accepted();
    }

    /** The AMQP error condition of the last refused send or link, e.g. {@code amqp:unauthorized-access}. */
    String lastCondition() {
        return lastCondition;
    }

    @Override
    public byte[] receive(Duration timeout) throws Exception {
        Delivery delivery = inbox.receive(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (delivery == null) {
            return null;
        }
        Object body = delivery.message().body();
        delivery.accept();
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        if (body instanceof String text) {
            return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        throw new IllegalStateException("unexpected AMQP body " + body);
    }

    @Override
    public boolean isConnected() {
        try {
            connection.openFuture().get(1, TimeUnit.SECONDS);
            connection.openSession().openFuture().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
