package dev.relay.bench;

import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.relay.protocol.RelayKeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario 4, connection storm: {@code connections} devices connect as fast as the broker admits them (at most
 * {@link #IN_FLIGHT} connects outstanding), each with its own key and, with Relay, a connect token the relay verifies.
 * Tokens are made before the clock starts. Reported: connects per second and the broker's memory per idle
 * connection (heap after GC, and resident set, with everyone connected minus before).
 */
final class StormScenario {
    private static final int IN_FLIGHT = 500;

    private final int connections;

    StormScenario(int connections) {
        this.connections = connections;
    }

    String describe() {
        return connections + " device connects (MQTT 5, clean sessions), up to " + IN_FLIGHT + " in flight";
    }

    Result run(Target target) throws Exception {
        List<RelayKeyPair> keys = new ArrayList<>(connections);
        List<byte[]> tokens = new ArrayList<>(connections);
        List<Mqtt5AsyncClient> clients = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            RelayKeyPair key = RelayKeyPair.generate();
            keys.add(key);
            tokens.add(MqttLoad.token(target, key));
            clients.add(MqttLoad.client(target, key));
        }
        long heapBefore = target.heapUsedAfterGc();
        long residentBefore = target.residentBytes();
        AtomicLong failed = new AtomicLong();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        List<CompletableFuture<?>> connects = new ArrayList<>(connections);
        long start = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            inFlight.acquireUninterruptibly();
            connects.add(MqttLoad.connect(clients.get(i), target, keys.get(i), tokens.get(i), 0)
                    .whenComplete((connAck, failure) -> {
                        inFlight.release();
                        if (failure != null) {
                            failed.incrementAndGet();
                        }
                    }));
        }
        try {
            CompletableFuture.allOf(connects.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        } catch (Exception someFailed) {
            // counted in failed
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long connected = connections - failed.get();
        Thread.sleep(1000); // let the broker settle its per-connection state
        long heapAfter = target.heapUsedAfterGc();
        long residentAfter = target.residentBytes();
        MqttLoad.disconnectAll(new ArrayList<>(clients));
        return new Result(connected / seconds, connected, failed.get(),
                heapBefore < 0 ? -1 : (heapAfter - heapBefore) / Math.max(1, connected),
                (residentAfter - residentBefore) / Math.max(1, connected));
    }

    /** Connects per second, how many succeeded and failed, bytes of broker heap and of resident memory per connection. */
    record Result(double connectsPerSecond, long connected, long failed, long heapBytesPerConnection,
                  long residentBytesPerConnection) {
        boolean ok() {
            return failed == 0;
        }
    }
}
