package dev.relay.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 1, point-to-point throughput over MQTT 5: {@code pairs} senders each send {@code perSender} messages at
 * QoS 1 to their own recipient, with up to {@link #WINDOW} unacknowledged publishes each. With Relay the messages are
 * signed envelopes with 256-byte bodies, signed before the clock starts, to the recipients' inboxes; on the bare broker
 * the very same bytes go to plain topics. The result is messages delivered per second, first publish to last delivery.
 */
final class ThroughputScenario {
    static final int BODY_BYTES = 256;
    static final int WINDOW = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private final int pairs;
    private final int perSender;

    ThroughputScenario(int pairs, int perSender) {
        this.pairs = pairs;
        this.perSender = perSender;
    }

    /** One measurement against {@code broker}; {@code relay} says whether Relay is inside (auth, inbox topics). */
    Result run(BrokerProcess broker, boolean relay) throws Exception {
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        CountDownLatch delivered = new CountDownLatch(pairs * perSender);
        AtomicLong refused = new AtomicLong();
        List<Sender> senders = new ArrayList<>();
        try {
            for (int i = 0; i < pairs; i++) {
                RelayKeyPair recipientKey = RelayKeyPair.generate();
                RelayKeyPair senderKey = RelayKeyPair.generate();
                String topic = relay ? Addressing.mqttInbox(recipientKey.keyId().toString()) : "bench/inbox/" + i;
                Mqtt5AsyncClient recipient = connect(broker, relay, recipientKey, clients);
                recipient.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .callback(publish -> delivered.countDown()).send().get(30, TimeUnit.SECONDS);
                Mqtt5AsyncClient sender = connect(broker, relay, senderKey, clients);
                List<byte[]> payloads = new ArrayList<>(perSender);
                byte[] body = new byte[BODY_BYTES];
                for (int m = 0; m < perSender; m++) {
                    payloads.add(Envelope.builder(Kind.MESSAGE).to(recipientKey.keyId())
                            .contentType("application/octet-stream").body(body).sign(senderKey).toJson());
                }
                senders.add(new Sender(sender, topic, payloads));
            }
            long start = System.nanoTime();
            List<Thread> threads = new ArrayList<>();
            for (Sender sender : senders) {
                Thread thread = new Thread(() -> sender.sendAll(refused), "bench-sender");
                thread.start();
                threads.add(thread);
            }
            boolean complete = delivered.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            long elapsed = System.nanoTime() - start;
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            }
            long count = (long) pairs * perSender - delivered.getCount();
            return new Result(count / (elapsed / 1e9), count, refused.get(), complete);
        } finally {
            for (Mqtt5AsyncClient client : clients) {
                try {
                    client.disconnect().get(5, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // going anyway
                }
            }
        }
    }

    /** Messages per second delivered, how many, how many the broker refused, and whether all arrived in time. */
    record Result(double messagesPerSecond, long delivered, long refused, boolean complete) {
    }

    private record Sender(Mqtt5AsyncClient client, String topic, List<byte[]> payloads) {
        void sendAll(AtomicLong refused) {
            Semaphore window = new Semaphore(WINDOW);
            for (byte[] payload : payloads) {
                window.acquireUninterruptibly();
                client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                        .whenComplete((result, failure) -> {
                            window.release();
                            if (failure != null || isRefused(result)) {
                                refused.incrementAndGet();
                            }
                        });
            }
        }

        private static boolean isRefused(Mqtt5PublishResult result) {
            return result instanceof Mqtt5PublishResult.Mqtt5Qos1Result qos1
                    && qos1.getPubAck().getReasonCode().isError();
        }
    }

    static Mqtt5AsyncClient connect(BrokerProcess broker, boolean relay, RelayKeyPair key,
                                    List<Mqtt5AsyncClient> opened) throws Exception {
        URI uri = broker.mqtt();
        String id = key.keyId().toString();
        Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(id).serverHost(uri.getHost())
                .serverPort(uri.getPort()).buildAsync();
        var connect = client.connectWith().cleanStart(true);
        if (relay) {
            connect.simpleAuth().username(id).password(token(key, broker.realm())).applySimpleAuth();
        }
        connect.send().get(30, TimeUnit.SECONDS);
        opened.add(client);
        return client;
    }

    private static byte[] token(RelayKeyPair key, String realm) throws RelayException {
        return ConnectToken.create(key, realm, System.currentTimeMillis() / 1000).password()
                .getBytes(StandardCharsets.US_ASCII);
    }
}
