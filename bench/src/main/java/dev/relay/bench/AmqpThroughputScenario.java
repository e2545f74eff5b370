package dev.relay.bench;

import dev.relay.protocol.Addressing;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayKeyPair;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;

/**
 * Scenario 1 over AMQP 1.0 (Artemis only), with ProtonJ2: the same pairs and signed payloads as {@link
 * ThroughputScenario}; every send is unsettled until the broker accepts it (up to {@link #WINDOW} outstanding per
 * sender), recipients accept what they receive. With Relay the clients log in with SASL PLAIN and a connect token and
 * send to the inbox addresses; on the bare broker to plain anycast addresses.
 */
final class AmqpThroughputScenario {
    static final int WINDOW = ThroughputScenario.WINDOW;
    private static final Client CLIENT = Client.create();

    private final int pairs;
    private final int perSender;

    AmqpThroughputScenario(int pairs, int perSender) {
        this.pairs = pairs;
        this.perSender = perSender;
    }

    ThroughputScenario.Result run(Target target) throws Exception {
        List<Connection> connections = new ArrayList<>();
        CountDownLatch delivered = new CountDownLatch(pairs * perSender);
        AtomicLong refused = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        List<Runnable> senders = new ArrayList<>();
        try {
            for (int i = 0; i < pairs; i++) {
                RelayKeyPair recipientKey = RelayKeyPair.generate();
                RelayKeyPair senderKey = RelayKeyPair.generate();
                String address = address(target, recipientKey.keyId());
                Receiver receiver = connect(target, recipientKey, connections).openReceiver(address);
                receiver.openFuture().get(30, TimeUnit.SECONDS);
                Thread reader = new Thread(() -> read(receiver, delivered, stop), "bench-amqp-reader");
                reader.start();
                threads.add(reader);
                Sender sender = connect(target, senderKey, connections).openSender(address);
                sender.openFuture().get(30, TimeUnit.SECONDS);
                List<byte[]> payloads = MqttLoad.envelopes(senderKey, recipientKey.keyId(), perSender);
                senders.add(() -> sendAll(sender, payloads, refused));
            }
            long start = System.nanoTime();
            List<Thread> sending = new ArrayList<>();
            for (Runnable sender : senders) {
                Thread thread = new Thread(sender, "bench-amqp-sender");
                thread.start();
                sending.add(thread);
            }
            boolean complete = delivered.await(180, TimeUnit.SECONDS);
            long elapsed = System.nanoTime() - start;
            for (Thread thread : sending) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            long count = (long) pairs * perSender - delivered.getCount();
            return new ThroughputScenario.Result(count / (elapsed / 1e9), count, refused.get(), complete);
        } finally {
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            connections.forEach(Connection::close);
        }
    }

    private static String address(Target target, KeyId recipient) {
        return target.relay() ? Addressing.artemisInbox(recipient.toString()) : "bench.inbox." + recipient;
    }

    private static Connection connect(Target target, RelayKeyPair key, List<Connection> opened) throws Exception {
        URI amqp = target.amqp();
        ConnectionOptions options = new ConnectionOptions().openTimeout(30, TimeUnit.SECONDS);
        // SASL PLAIN on both: the token with Relay; any password on the bare broker, which checks none.
        options.user(key.keyId().toString()).password(target.relay()
                ? new String(MqttLoad.token(target, key), StandardCharsets.US_ASCII) : "bare");
        options.saslOptions().addAllowedMechanism("PLAIN");
        Connection connection = CLIENT.connect(amqp.getHost(), amqp.getPort(), options);
        opened.add(connection);
        connection.openFuture().get(30, TimeUnit.SECONDS);
        return connection;
    }

    private static void read(Receiver receiver, CountDownLatch delivered, AtomicBoolean stop) {
        try {
            while (!stop.get()) {
                Delivery delivery = receiver.receive(200, TimeUnit.MILLISECONDS);
                if (delivery != null) {
                    delivered.countDown(); // the receiver accepts automatically
                }
            }
        } catch (Exception e) {
            // the connection closed at the end of the run
        }
    }

    /** Keeps up to {@link #WINDOW} sends unsettled: before each new send beyond that, waits for the oldest one. */
    private static void sendAll(Sender sender, List<byte[]> payloads, AtomicLong refused) {
        ArrayDeque<Tracker> outstanding = new ArrayDeque<>(WINDOW);
        try {
            for (byte[] payload : payloads) {
                if (outstanding.size() == WINDOW) {
                    settle(outstanding.poll(), refused);
                }
                outstanding.add(sender.send(Message.create(payload).contentType("application/json")));
            }
            while (!outstanding.isEmpty()) {
                settle(outstanding.poll(), refused);
            }
        } catch (Exception e) {
            refused.addAndGet(payloads.size());
        }
    }

    private static void settle(Tracker tracker, AtomicLong refused) throws Exception {
        tracker.awaitSettlement(60, TimeUnit.SECONDS);
        if (tracker.remoteState() == null || !tracker.remoteState().isAccepted()) {
            refused.incrementAndGet();
        }
    }
}
