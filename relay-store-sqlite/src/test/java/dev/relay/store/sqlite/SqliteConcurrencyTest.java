package dev.relay.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.AuditEvent;
import dev.relay.store.AuditVerification;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SqliteConcurrencyTest extends StoreTestSupport {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 150;

    @Test
    void concurrentWritersKeepExactCounts() throws Exception {
        store.close();
        store = SqliteRelayStore.open(file(), SqliteRelayStore.Options.defaults().withSynchronousNormal(true));

        AtomicInteger newNonces = new AtomicInteger();
        AtomicInteger newMessages = new AtomicInteger();
        Set<Long> parkSeqs = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit((Callable<Void>) () -> {
                    start.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        // every thread races for the same nonces: each must be won exactly once
                        if (store.rememberNonce("alice", "nonce-" + i, 10_000)) {
                            newNonces.incrementAndGet();
                        }
                        // half of the messages collide with another thread's
                        String id = "m-" + (thread / 2) + "-" + i;
                        if (store.recordMessage(message("alice", id, "bob", "t", i, 10_000))) {
                            newMessages.incrementAndGet();
                        }
                        parkSeqs.add(store.park("bob", bytes(thread + ":" + i), 10_000));
                        store.appendAudit(new AuditEvent(i, "test", "thread" + thread, "", Integer.toString(i)));
                        store.recordConnected("dev" + thread, i);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(newNonces).hasValue(PER_THREAD);
        assertThat(newMessages).hasValue(THREADS / 2 * PER_THREAD);
        assertThat(parkSeqs).hasSize(THREADS * PER_THREAD);
        assertThat(store.parkedCount("bob", 0)).isEqualTo(THREADS * PER_THREAD);
        assertThat(store.threadHistory("t", "bob", null, 10_000)).hasSize(THREADS / 2 * PER_THREAD);
        assertThat(store.verifyAuditChain()).isEqualTo(AuditVerification.ok(THREADS * PER_THREAD));
        assertThat(store.presence("dev0")).hasValueSatisfying(p -> assertThat(p.online()).isTrue());
    }
}
