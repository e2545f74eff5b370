package dev.relay.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 1, point-to-point throughput over MQTT 5: {@code pairs} senders each send {@code perSender} messages at
 * QoS 1 to their own recipient, with up to {@link #WINDOW} unacknowledged publishes each. The messages are signed
 * envelopes, signed before the clock starts (the same bytes on every target). The result is messages delivered per
 * second, first publish to last delivery.
 */
final class ThroughputScenario {
    static final int WINDOW = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(180);

    private final int pairs;
    private final int perSender;

    ThroughputScenario(int pairs, int perSender) {
        this.pairs = pairs;
        this.perSender = perSender;
    }

    String describe() {
        return pairs + " senders -> " + pairs + " recipients, " + perSender + " messages each, QoS 1, window " + WINDOW;
    }

    Result run(Target target) throws Exception {
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        CountDownLatch delivered = new CountDownLatch(pairs * perSender);
        AtomicLong refused = new AtomicLong();
        List<Sender> senders = new ArrayList<>();
        try {
            for (int i = 0; i < pairs; i++) {
                RelayKeyPair recipientKey = RelayKeyPair.generate();
                RelayKeyPair senderKey = RelayKeyPair.generate();
                String topic = MqttLoad.inbox(target, recipientKey.keyId());
                Mqtt5AsyncClient recipient = MqttLoad.connected(target, recipientKey, clients);
                recipient.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE)
                        .callback(publish -> delivered.countDown()).send().get(30, TimeUnit.SECONDS);
                Mqtt5AsyncClient sender = MqttLoad.connected(target, senderKey, clients);
                senders.add(new Sender(sender, topic, MqttLoad.envelopes(senderKey, recipientKey.keyId(), perSender)));
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
            MqttLoad.disconnectAll(clients);
        }
    }

    /** Messages per second delivered, how many, how many the broker refused, and whether all arrived in time. */
    record Result(double messagesPerSecond, long delivered, long refused, boolean complete) {
        boolean ok() {
            return complete && refused == 0;
        }
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
}
