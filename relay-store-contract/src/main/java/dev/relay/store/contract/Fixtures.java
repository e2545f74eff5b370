package dev.relay.store.contract;

import dev.relay.store.DeliveryState;
import dev.relay.store.MessageRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/** Values and a race starter shared by the parts of the contract. */
public final class Fixtures {

    private Fixtures() {
    }

    /** A message in state SENT whose envelope names sender, recipient and id, so a mix-up shows. */
    public static MessageRecord message(String sender, String id, String recipient, String thread, long ts,
                                        long expiresAt) {
        return new MessageRecord(sender, id, recipient, thread, null, "message", ts, expiresAt, DeliveryState.SENT,
                (sender + ">" + recipient + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Runs {@code threads} tasks released at the same instant (task i gets i) and returns their results in task order;
     * the first failure is rethrown.
     */
    public static <T> List<T> race(int threads, IntFunction<Callable<T>> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Callable<T> each = task.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return each.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(120, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
