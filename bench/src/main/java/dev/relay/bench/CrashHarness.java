package dev.relay.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.relay.store.AuditVerification;
import dev.relay.store.sqlite.SqliteRelayStore;
import dev.relay.store.sqlite.SqliteStoreFactory;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.qpid.protonj2.client.Client;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.Delivery;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;

/**
 * Crash durability: one broker with Relay in a process of its own, killed with SIGKILL at a random point of each round
 * while senders publish signed envelopes (MQTT 5 QoS 1; on Artemis also AMQP, unsettled until accepted) and some
 * recipients read; then restarted on the same data folder. Senders re-send what was not acknowledged, as a device's
 * outbox does. After the last round everyone comes back and drains; the {@link CrashLedger} checks that every
 * acknowledged message arrived (duplicates are counted), that nothing arrived after its TTL, and the broker is stopped
 * and its relay store checked: SQLite integrity and the audit chain.
 *
 * <p>Recipients of three kinds: two read in every round (the same persistent sessions); per round, two subscribe in a
 * persistent session and leave before the load ("away"), and two never connect before the drain ("new": parked by
 * the relay on HiveMQ). One message in ten has a TTL of {@link #SHORT_TTL_SECONDS}, so restarts outlive it.
 */
final class CrashHarness {
    static final long SHORT_TTL_SECONDS = 3;
    private static final long LONG_TTL_SECONDS = 3600;
    private static final int SHORT_TTL_ONE_IN = Integer.getInteger("relay.crash.short-ttl-one-in", 10);
    private static final long SESSION_EXPIRY_SECONDS = 3600;
    private static final int SENDERS = 4;
    private static final int WINDOW = 32;
    /** Per sender; bounded so that no recipient's queue reaches the broker's or the relay's bound in a long run. */
    private static final int MESSAGES_PER_SECOND = 100;
    private static final long MAX_KILL_DELAY_MILLIS = 2_500;
    private static final Map<String, String> PROPERTIES = Map.of(
            "relay.rate.sends-per-minute", "10000000", "relay.rate.burst", "10000000",
            "relay.parking.max-per-recipient", "100000");
    private static final Client AMQP = Client.create();

    private final String broker;
    private final boolean bare;
    private final int rounds;
    private final long seed;
    private final PrintStream out;
    private final Random random;
    private final CrashLedger ledger = new CrashLedger();
    private final Map<String, Pending> unacknowledged = new ConcurrentHashMap<>();
    private final List<RelayKeyPair> senders = new ArrayList<>();
    private final List<RelayKeyPair> online = new ArrayList<>();
    private final List<RelayKeyPair> everyone = new ArrayList<>();
    private final Map<String, String> kinds = new ConcurrentHashMap<>();

    /** A message not yet acknowledged: re-sent after the restart, like a device's outbox does. */
    private record Pending(RelayKeyPair sender, String recipient, byte[] payload, long expiresAtMillis) {
    }

    /** {@code bare}: the broker without Relay, to tell the broker's own durability from Relay's. */
    CrashHarness(String broker, boolean bare, int rounds, long seed, PrintStream out) {
        this.broker = broker;
        this.bare = bare;
        this.rounds = rounds;
        this.seed = seed;
        this.out = out;
        this.random = new Random(seed);
    }

    /** Runs every round and the drain; the data folder is deleted unless the verdict fails. */
    Result run() throws Exception {
        Path data = Files.createTempDirectory("relay-crash-" + broker + "-");
        for (int i = 0; i < SENDERS; i++) {
            senders.add(RelayKeyPair.generate());
        }
        for (int i = 0; i < 2; i++) {
            online.add(RelayKeyPair.generate());
        }
        everyone.addAll(online);
        online.forEach(key -> kinds.put(key.keyId().toString(), "online"));
        long startedAt = System.nanoTime();
        for (int round = 1; round <= rounds; round++) {
            round(round, data);
        }
        CrashLedger.Verdict verdict;
        StoreCheck store;
        try (BrokerProcess target = start(data)) {
            verdict = drain(target);
        }
        store = bare ? StoreCheck.NONE : checkStore(data);
        double seconds = (System.nanoTime() - startedAt) / 1e9;
        Result result = new Result(broker + (bare ? " (bare)" : " + Relay"), rounds, seed, verdict, store, seconds);
        if (result.ok()) {
            deleteRecursively(data);
        } else {
            out.println("  data folder kept for inspection: " + data);
        }
        return result;
    }

    /** One round: start, load, kill at a random point. */
    private void round(int round, Path data) throws Exception {
        BrokerProcess target = start(data);
        List<AutoCloseable> clients = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        long killDelay = (long) (random.nextDouble() * MAX_KILL_DELAY_MILLIS);
        try {
            List<RelayKeyPair> away = List.of(RelayKeyPair.generate(), RelayKeyPair.generate());
            List<RelayKeyPair> fresh = List.of(RelayKeyPair.generate(), RelayKeyPair.generate());
            everyone.addAll(away);
            everyone.addAll(fresh);
            away.forEach(key -> kinds.put(key.keyId().toString(), "away, round " + round));
            fresh.forEach(key -> kinds.put(key.keyId().toString(), "new, round " + round));
            for (RelayKeyPair recipient : away) {
                try (AutoCloseable reader = read(target, recipient)) {
                    // subscribed in a persistent session, gone before the load starts
                }
            }
            for (RelayKeyPair recipient : online) {
                clients.add(read(target, recipient));
            }
            for (int i = 0; i < SENDERS; i++) {
                RelayKeyPair sender = senders.get(i);
                boolean overAmqp = target.amqp() != null && i % 2 == 1;
                long senderSeed = random.nextLong();
                Thread thread = new Thread(() -> send(target, sender, overAmqp, away, fresh, senderSeed, stop,
                        clients), "crash-sender-" + i);
                thread.start();
                threads.add(thread);
            }
            Thread.sleep(killDelay);
        } finally {
            target.kill();
            stop.set(true);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
            closeAll(clients);
        }
        out.printf("  %s round %d: killed %d ms into the load; %d sent, %d acknowledged, %d awaiting re-send%n",
                broker, round, killDelay, ledger.verdict(0).sent(), ledger.verdict(0).acknowledged(),
                unacknowledged.size());
    }

    /** Everyone back: re-send what is unacknowledged, then read until every acknowledged message arrived. */
    private CrashLedger.Verdict drain(BrokerProcess target) throws Exception {
        List<AutoCloseable> clients = Collections.synchronizedList(new ArrayList<>());
        try {
            for (RelayKeyPair recipient : everyone) {
                clients.add(read(target, recipient));
            }
            AtomicBoolean stop = new AtomicBoolean(true); // re-sends only, no new messages
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                RelayKeyPair sender = senders.get(i);
                boolean overAmqp = target.amqp() != null && i % 2 == 1;
                Thread thread = new Thread(() -> send(target, sender, overAmqp, List.of(), List.of(), 0, stop,
                        clients), "crash-resender-" + i);
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join(TimeUnit.MINUTES.toMillis(2));
            }
            long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(90);
            while (ledger.outstanding(System.currentTimeMillis()) > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(2_000); // late duplicates, if any, are counted too
            CrashLedger.Verdict verdict = ledger.verdict(System.currentTimeMillis());
            verdict.lostByRecipient().forEach((recipient, count) -> out.printf("  lost %d for %s (%s)%n", count,
                    recipient, kinds.get(recipient)));
            return verdict;
        } finally {
            closeAll(clients);
        }
    }

    private BrokerProcess start(Path data) throws IOException {
        return BrokerProcess.start(broker, bare, PROPERTIES, "1g", data);
    }

    // ------------------------------------------------------------------ senders

    /**
     * Re-sends this sender's unacknowledged messages, then (unless {@code stop} is already set) sends new ones at
     * {@link #MESSAGES_PER_SECOND} until {@code stop} or until the connection breaks.
     */
    private void send(Target target, RelayKeyPair sender, boolean overAmqp, List<RelayKeyPair> away,
                      List<RelayKeyPair> fresh, long senderSeed, AtomicBoolean stop, List<AutoCloseable> clients) {
        Random choices = new Random(senderSeed);
        try (Channel channel = overAmqp ? new AmqpChannel(target, sender) : new MqttChannel(target, sender)) {
            clients.add(channel);
            List<Map.Entry<String, Pending>> resend = new ArrayList<>(unacknowledged.entrySet());
            long now = System.currentTimeMillis();
            resend.removeIf(entry -> entry.getValue().sender() != sender);
            // An expired envelope would be refused as expired: a device's outbox drops it too.
            resend.removeIf(entry -> entry.getValue().expiresAtMillis() <= now + 1_000
                    && unacknowledged.remove(entry.getKey()) != null);
            for (Map.Entry<String, Pending> entry : resend) {
                if (!channel.publish(entry.getKey(), entry.getValue())) {
                    return;
                }
            }
            long started = System.nanoTime();
            for (long n = 0; !stop.get(); n++) {
                long due = started + n * TimeUnit.SECONDS.toNanos(1) / MESSAGES_PER_SECOND;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                RelayKeyPair recipient = pick(choices, away, fresh);
                long ttl = SHORT_TTL_ONE_IN > 0 && choices.nextInt(SHORT_TTL_ONE_IN) == 0 ? SHORT_TTL_SECONDS
                        : LONG_TTL_SECONDS;
                Envelope envelope = envelope(sender, recipient.keyId(), ttl);
                long expiresAt = envelope.ts() + ttl * 1000;
                ledger.sent(envelope.id(), recipient.keyId().toString(), expiresAt);
                Pending pending = new Pending(sender, recipient.keyId().toString(), envelope.toJson(), expiresAt);
                unacknowledged.put(envelope.id(), pending);
                if (!channel.publish(envelope.id(), pending)) {
                    return;
                }
            }
            channel.awaitAll();
        } catch (Exception e) {
            // the broker was killed under us: what is unacknowledged stays for the next round
        }
    }

    private RelayKeyPair pick(Random choices, List<RelayKeyPair> away, List<RelayKeyPair> fresh) {
        int roll = choices.nextInt(4);
        List<RelayKeyPair> group = roll < 2 ? online : roll == 2 ? away : fresh;
        return group.get(choices.nextInt(group.size()));
    }

    private static Envelope envelope(RelayKeyPair sender, KeyId recipient, long ttlSeconds) {
        try {
            return Envelope.builder(Kind.MESSAGE).to(recipient).contentType("application/octet-stream")
                    .expiresIn(ttlSeconds).body(new byte[MqttLoad.BODY_BYTES]).sign(sender);
        } catch (RelayException e) {
            throw new IllegalStateException(e);
        }
    }

    private void acknowledged(String id, boolean accepted) {
        if (accepted) {
            ledger.acknowledged(id);
        } else {
            ledger.refused(id);
        }
        unacknowledged.remove(id); // a refusal is final: re-sending the same envelope would be refused again
    }

    /** One sender's connection: publishes with up to {@link #WINDOW} unacknowledged. */
    private interface Channel extends AutoCloseable {
        /** Publishes; false once the connection is gone. */
        boolean publish(String id, Pending pending) throws Exception;

        /** Waits for every outstanding acknowledgement (or the connection's end). */
        void awaitAll() throws Exception;

        @Override
        void close();
    }

    private final class MqttChannel implements Channel {
        private final Mqtt5AsyncClient client;
        private final Target target;
        private final Semaphore window = new Semaphore(WINDOW);

        MqttChannel(Target target, RelayKeyPair sender) throws Exception {
            this.target = target;
            client = MqttLoad.client(target, sender);
            MqttLoad.connect(client, target, sender, MqttLoad.token(target, sender), 0)
                    .get(MqttLoad.CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }

        @Override
        public boolean publish(String id, Pending pending) throws Exception {
            while (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                if (!client.getState().isConnected()) {
                    return false;
                }
            }
            long expiry = Math.max(1, (pending.expiresAtMillis() - System.currentTimeMillis()) / 1000);
            client.publishWith().topic(MqttLoad.inbox(target, KeyId.parse(pending.recipient())))
                    .qos(MqttQos.AT_LEAST_ONCE).payload(pending.payload())
                    .messageExpiryInterval(expiry) // what Relay sets from the TTL; on a bare broker the client must
                    .send()
                    .whenComplete((result, failure) -> {
                        window.release();
                        if (failure == null) {
                            acknowledged(id, result.getError().isEmpty());
                        }
                    });
            return client.getState().isConnected();
        }

        @Override
        public void awaitAll() throws Exception {
            while (!window.tryAcquire(WINDOW, 100, TimeUnit.MILLISECONDS)) {
                if (!client.getState().isConnected()) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            client.disconnect().exceptionally(failure -> null);
        }
    }

    private final class AmqpChannel implements Channel {
        private final org.apache.qpid.protonj2.client.Connection connection;
        private final Target target;
        private final Map<String, Sender> senders = new LinkedHashMap<>();
        private final ArrayDeque<Map.Entry<String, Tracker>> outstanding = new ArrayDeque<>();

        AmqpChannel(Target target, RelayKeyPair key) throws Exception {
            this.target = target;
            connection = amqpConnection(target, key);
        }

        @Override
        public boolean publish(String id, Pending pending) throws Exception {
            if (outstanding.size() == WINDOW) {
                settle(outstanding.poll());
            }
            Sender sender = senders.get(pending.recipient());
            if (sender == null) {
                sender = connection.openSender(address(target, pending.recipient()));
                sender.openFuture().get(30, TimeUnit.SECONDS);
                senders.put(pending.recipient(), sender);
            }
            Message<byte[]> message = Message.create(pending.payload()).contentType("application/json");
            outstanding.add(Map.entry(id, sender.send(message)));
            return true;
        }

        private void settle(Map.Entry<String, Tracker> sent) throws Exception {
            Tracker tracker = sent.getValue().awaitSettlement(30, TimeUnit.SECONDS);
            if (tracker.remoteSettled()) {
                acknowledged(sent.getKey(), tracker.remoteState() != null && tracker.remoteState().isAccepted());
            }
        }

        @Override
        public void awaitAll() throws Exception {
            while (!outstanding.isEmpty()) {
                settle(outstanding.poll());
            }
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    // ------------------------------------------------------------------ recipients

    /** Connects {@code recipient} in a persistent session and records what arrives until closed. */
    private AutoCloseable read(Target target, RelayKeyPair recipient) throws Exception {
        String id = recipient.keyId().toString();
        if (target.amqp() != null) {
            // Artemis: AMQP, whose consumers on the durable inbox queue are the reliable path (see docs/benchmarks.md
            // on the MQTT drain of resumed sessions).
            org.apache.qpid.protonj2.client.Connection connection = amqpConnection(target, recipient);
            Receiver receiver = connection.openReceiver(address(target, id));
            receiver.openFuture().get(30, TimeUnit.SECONDS);
            AtomicBoolean closed = new AtomicBoolean();
            Thread thread = new Thread(() -> {
                try {
                    while (!closed.get()) {
                        Delivery delivery = receiver.receive(100, TimeUnit.MILLISECONDS);
                        if (delivery != null) {
                            Object body = delivery.message().body();
                            ledger.received(id, body instanceof byte[] bytes ? MqttLoad.idOf(bytes) : null,
                                    System.currentTimeMillis());
                        }
                    }
                } catch (Exception e) {
                    // the connection closed or the broker died
                }
            }, "crash-reader");
            thread.start();
            return () -> {
                closed.set(true);
                thread.join(TimeUnit.SECONDS.toMillis(5));
                connection.close();
            };
        }
        // Paho, the devices' client: with the HiveMQ client some resumed sessions received nothing after a kill.
        MqttAsyncClient client = new MqttAsyncClient(target.mqtt().toString(), id, new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) throws InterruptedException {
                ledger.received(id, MqttLoad.idOf(message.getPayload()), System.currentTimeMillis());
                Thread.sleep(Long.getLong("relay.crash.slow-reader-millis", 0));
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverUri) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(SESSION_EXPIRY_SECONDS);
        options.setKeepAliveInterval(60);
        options.setAutomaticReconnect(false);
        if (target.relay()) {
            options.setUserName(id);
            options.setPassword(MqttLoad.token(target, recipient));
        }
        IMqttToken connected = client.connect(options);
        connected.waitForCompletion(MqttLoad.CONNECT_TIMEOUT.toMillis());
        client.subscribe(new MqttSubscription(MqttLoad.inbox(target, recipient.keyId()), 1))
                .waitForCompletion(30_000);
        return () -> {
            try {
                client.disconnect().waitForCompletion(10_000);
            } finally {
                client.close(true);
            }
        };
    }

    private static String address(Target target, String recipient) {
        return target.relay() ? Addressing.artemisInbox(recipient) : "bench.inbox." + recipient;
    }

    private static org.apache.qpid.protonj2.client.Connection amqpConnection(Target target, RelayKeyPair key)
            throws Exception {
        URI amqp = target.amqp();
        ConnectionOptions options = new ConnectionOptions().openTimeout(30, TimeUnit.SECONDS);
        options.user(key.keyId().toString()).password(target.relay()
                ? new String(MqttLoad.token(target, key), StandardCharsets.US_ASCII) : "bare");
        options.saslOptions().addAllowedMechanism("PLAIN");
        org.apache.qpid.protonj2.client.Connection connection = AMQP.connect(amqp.getHost(), amqp.getPort(), options);
        connection.openFuture().get(30, TimeUnit.SECONDS);
        return connection;
    }

    private static void closeAll(List<AutoCloseable> clients) {
        synchronized (clients) {
            for (AutoCloseable client : clients) {
                try {
                    client.close();
                } catch (Exception ignored) {
                    // the broker is gone; nothing to say goodbye to
                }
            }
            clients.clear();
        }
    }

    // ------------------------------------------------------------------ the store after the crashes

    /** SQLite's own integrity check and the audit chain of the relay store the broker left behind. */
    static StoreCheck checkStore(Path data) throws Exception {
        Path file;
        try (Stream<Path> files = Files.walk(data)) {
            file = files.filter(path -> path.getFileName().toString().equals(SqliteStoreFactory.FILE)).findFirst()
                    .orElseThrow(() -> new IOException("no " + SqliteStoreFactory.FILE + " under " + data));
        }
        String integrity;
        try (Connection sql = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
            rows.next();
            integrity = rows.getString(1);
        }
        AuditVerification audit;
        try (SqliteRelayStore store = SqliteRelayStore.open(file)) {
            audit = store.verifyAuditChain();
        }
        return new StoreCheck(integrity, audit.intact(), audit.records(), audit.problem());
    }

    private static void deleteRecursively(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What SQLite and the audit chain say about the store. */
    record StoreCheck(String integrity, boolean auditIntact, long auditRecords, String auditProblem) {
        /** A bare broker has no relay store. */
        static final StoreCheck NONE = new StoreCheck("ok", true, 0, "no relay store (bare broker)");

        boolean ok() {
            return "ok".equals(integrity) && auditIntact;
        }
    }

    /** One broker's run: the rounds, the verdict on the messages and on the store. */
    record Result(String broker, int rounds, long seed, CrashLedger.Verdict verdict, StoreCheck store,
                  double seconds) {
        boolean ok() {
            return verdict.ok() && store.ok() && verdict.acknowledged() > 0;
        }
    }
}
