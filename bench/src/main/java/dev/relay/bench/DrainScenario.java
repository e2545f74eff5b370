package dev.relay.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.relay.protocol.RelayKeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 3, offline drain: {@code devices} devices subscribe once in a persistent session and go offline; senders
 * queue {@code perDevice} messages for each; then every device reconnects at once. Reported: time from the first
 * reconnect to the last message, messages per second, and the broker's heap (after GC) and disk while the messages
 * wait.
 */
final class DrainScenario {
    private static final long SESSION_EXPIRY_SECONDS = 3600;
    private static final int SENDERS = 4;
    private static final int SEND_WINDOW = 200;
    private static final int CONNECTS_IN_FLIGHT = 200;

    private final int devices;
    private final int perDevice;

    DrainScenario(int devices, int perDevice) {
        this.devices = devices;
        this.perDevice = perDevice;
    }

    String describe() {
        return devices + " offline devices x " + perDevice + " queued messages, all reconnect at once";
    }

    Result run(Target target) throws Exception {
        List<RelayKeyPair> keys = new ArrayList<>(devices);
        for (int i = 0; i < devices; i++) {
            keys.add(RelayKeyPair.generate());
        }
        long total = (long) devices * perDevice;
        // Each device subscribes in a session that outlives its connection, then leaves.
        List<Mqtt5AsyncClient> opened = new ArrayList<>();
        Semaphore inFlight = new Semaphore(CONNECTS_IN_FLIGHT);
        List<CompletableFuture<?>> subscribed = new ArrayList<>();
        for (RelayKeyPair key : keys) {
            Mqtt5AsyncClient device = MqttLoad.client(target, key);
            opened.add(device);
            inFlight.acquireUninterruptibly();
            subscribed.add(MqttLoad.connect(device, target, key, MqttLoad.token(target, key), SESSION_EXPIRY_SECONDS)
                    .thenCompose(connAck -> device.subscribeWith().topicFilter(MqttLoad.inbox(target, key.keyId()))
                            .qos(MqttQos.AT_LEAST_ONCE).send())
                    .whenComplete((done, failure) -> inFlight.release()));
        }
        CompletableFuture.allOf(subscribed.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        MqttLoad.disconnectAll(opened);

        // Queue the messages while everyone is away.
        AtomicLong refused = new AtomicLong();
        List<Mqtt5AsyncClient> senders = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            RelayKeyPair senderKey = RelayKeyPair.generate();
            Mqtt5AsyncClient sender = MqttLoad.connected(target, senderKey, senders);
            List<RelayKeyPair> mine = keys.subList(s * devices / SENDERS, (s + 1) * devices / SENDERS);
            Thread thread = new Thread(() -> queue(target, sender, senderKey, mine, refused), "bench-queue");
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        MqttLoad.disconnectAll(senders);
        long heap = target.heapUsedAfterGc();
        long disk = target.diskBytes();

        // Everyone comes back at once.
        CountDownLatch delivered = new CountDownLatch((int) total);
        List<Mqtt5AsyncClient> back = new ArrayList<>();
        long start = System.nanoTime();
        for (RelayKeyPair key : keys) {
            Mqtt5AsyncClient device = MqttLoad.client(target, key);
            device.publishes(MqttGlobalPublishFilter.ALL, publish -> delivered.countDown());
            back.add(device);
            inFlight.acquireUninterruptibly();
            MqttLoad.connect(device, target, key, MqttLoad.token(target, key), SESSION_EXPIRY_SECONDS)
                    .whenComplete((done, failure) -> inFlight.release());
        }
        boolean complete = delivered.await(Math.max(60, total / 500), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        long count = total - delivered.getCount();
        // Leave no sessions behind for the next round: end them with a clean connect.
        for (Mqtt5AsyncClient device : back) {
            device.disconnectWith().sessionExpiryInterval(0).send().exceptionally(failure -> null);
        }
        Thread.sleep(500);
        return new Result(seconds, count / seconds, count, refused.get(), heap, disk, complete);
    }

    private void queue(Target target, Mqtt5AsyncClient sender, RelayKeyPair senderKey, List<RelayKeyPair> recipients,
                       AtomicLong refused) {
        Semaphore window = new Semaphore(SEND_WINDOW);
        for (RelayKeyPair recipient : recipients) {
            String topic = MqttLoad.inbox(target, recipient.keyId());
            for (byte[] payload : MqttLoad.envelopes(senderKey, recipient.keyId(), perDevice)) {
                window.acquireUninterruptibly();
                sender.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
                        .whenComplete((result, failure) -> {
                            window.release();
                            if (failure != null || result.getError().isPresent()) {
                                refused.incrementAndGet();
                            }
                        });
            }
        }
        window.acquireUninterruptibly(SEND_WINDOW); // every publish answered
    }

    /** Drain time and rate, what was delivered and refused, and the broker's heap and disk with everything queued. */
    record Result(double seconds, double messagesPerSecond, long delivered, long refused, long heapBytes,
                  long diskBytes, boolean complete) {
        boolean ok() {
            return complete && refused == 0;
        }
    }
}
