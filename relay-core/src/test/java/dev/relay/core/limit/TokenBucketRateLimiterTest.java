package dev.relay.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketRateLimiterTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    private TokenBucketRateLimiter limiter(int capacity, int refill, Duration period) {
        return new TokenBucketRateLimiter(capacity, refill, period, nanos::get);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private static int drain(TokenBucketRateLimiter limiter, String key) {
        int allowed = 0;
        while (limiter.tryAcquire(key).allowed()) {
            allowed++;
        }
        return allowed;
    }

    @Test
    void allowsABurstOfCapacityThenRefuses() {
        TokenBucketRateLimiter limiter = limiter(30, 30, Duration.ofMinutes(1));
        for (int i = 0; i < 30; i++) {
            assertThat(limiter.tryAcquire("alice")).isEqualTo(RateDecision.ALLOWED);
        }
        RateDecision denied = limiter.tryAcquire("alice");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterSeconds()).isEqualTo(2); // 30 per 60 s = one token per 2 s
    }

    @Test
    void refillsContinuouslyWithFractions() {
        TokenBucketRateLimiter limiter = limiter(30, 30, Duration.ofMinutes(1));
        drain(limiter, "alice");

        advance(Duration.ofMillis(1999));
        assertThat(limiter.tryAcquire("alice").allowed()).as("1999 ms = 0.9995 token").isFalse();
        advance(Duration.ofMillis(1));
        assertThat(limiter.tryAcquire("alice").allowed()).as("the fraction accrued across calls").isTrue();
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();

        advance(Duration.ofSeconds(20));
        assertThat(drain(limiter, "alice")).isEqualTo(10);
    }

    @Test
    void refillIsExactOverManySmallSteps() {
        // 7 tokens per 60 s: a token every 8.571428... s, a rate floating point would round. Capacity 10 so that no
        // refill is lost to a full bucket: over 7 minutes exactly 49 tokens accrue.
        TokenBucketRateLimiter limiter = limiter(10, 7, Duration.ofMinutes(1));
        drain(limiter, "k");
        int allowed = 0;
        for (int i = 0; i < 7 * 60_000; i++) { // 1 ms steps
            advance(Duration.ofMillis(1));
            if (limiter.tryAcquire("k").allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(49);
    }

    @Test
    void refillBeyondAFullBucketIsLost() {
        TokenBucketRateLimiter limiter = limiter(1, 7, Duration.ofMinutes(1));
        limiter.tryAcquire("k");
        int allowed = 0;
        for (int i = 0; i < 7 * 60_000; i++) {
            advance(Duration.ofMillis(1));
            if (limiter.tryAcquire("k").allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).as("the fraction past a full token is dropped each time").isEqualTo(48);
    }

    @Test
    void neverExceedsCapacity() {
        TokenBucketRateLimiter limiter = limiter(5, 1, Duration.ofSeconds(1));
        drain(limiter, "alice");
        advance(Duration.ofDays(365));
        assertThat(drain(limiter, "alice")).isEqualTo(5);
    }

    @Test
    void retryAfterRoundsUpToWholeSeconds() {
        TokenBucketRateLimiter limiter = limiter(1, 7, Duration.ofMinutes(1));
        limiter.tryAcquire("k");
        assertThat(limiter.tryAcquire("k").retryAfterSeconds()).as("60/7 = 8.57 s").isEqualTo(9);
        advance(Duration.ofMillis(8_000));
        assertThat(limiter.tryAcquire("k").retryAfterSeconds()).as("0.57 s left").isEqualTo(1);
        advance(Duration.ofMillis(571));
        assertThat(limiter.tryAcquire("k").retryAfterSeconds()).as("0.4 ms left").isEqualTo(1);
        advance(Duration.ofMillis(1));
        assertThat(limiter.tryAcquire("k")).isEqualTo(RateDecision.ALLOWED);
    }

    @Test
    void retryAfterForSlowRefill() {
        TokenBucketRateLimiter limiter = limiter(2, 1, Duration.ofHours(1));
        drain(limiter, "k");
        assertThat(limiter.tryAcquire("k").retryAfterSeconds()).isEqualTo(3600);
        advance(Duration.ofMinutes(30).plusMillis(1));
        assertThat(limiter.tryAcquire("k").retryAfterSeconds()).isEqualTo(1800);
    }

    @Test
    void deniedAttemptsDoNotCostTokens() {
        TokenBucketRateLimiter limiter = limiter(1, 1, Duration.ofSeconds(10));
        limiter.tryAcquire("k");
        for (int i = 0; i < 100; i++) {
            limiter.tryAcquire("k");
        }
        advance(Duration.ofSeconds(10));
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
    }

    @Test
    void keysAreIndependent() {
        TokenBucketRateLimiter limiter = limiter(3, 3, Duration.ofMinutes(1));
        assertThat(drain(limiter, "alice")).isEqualTo(3);
        assertThat(drain(limiter, "bob")).isEqualTo(3);
        assertThat(limiter.tryAcquire("alice").allowed()).isFalse();
        assertThat(limiter.tryAcquire("carol").allowed()).isTrue();
    }

    @Test
    void clockSteppingBackAddsNothing() {
        TokenBucketRateLimiter limiter = limiter(1, 1, Duration.ofSeconds(1));
        limiter.tryAcquire("k");
        nanos.addAndGet(-5_000_000_000L);
        assertThat(limiter.tryAcquire("k").allowed()).isFalse();
    }

    @Test
    void sweepDropsFullBucketsOnceTheMapGrows() {
        // capacity 2, refill 2/s: one used token is back after 500 ms, an empty bucket is full after 1 s
        TokenBucketRateLimiter limiter = new TokenBucketRateLimiter(2, 2, Duration.ofSeconds(1), nanos::get, 100);
        for (int i = 0; i < 100; i++) {
            limiter.tryAcquire("one-off-" + i);
        }
        drain(limiter, "busy"); // 101 keys: first sweep, nothing full, next size-triggered sweep above 202
        assertThat(limiter.trackedKeys()).isEqualTo(101);

        advance(Duration.ofMillis(600)); // one-offs are full again, busy has 1.2 tokens
        for (int i = 0; i < 102; i++) {
            limiter.tryAcquire("fresh-" + i);
        }
        assertThat(limiter.trackedKeys()).as("203 keys, the 100 full one-offs dropped").isEqualTo(103);

        assertThat(limiter.tryAcquire("busy").allowed()).as("busy kept its 1.2 tokens").isTrue();
        assertThat(limiter.tryAcquire("busy").allowed()).isFalse();

        advance(Duration.ofSeconds(1)); // a full refill time since the last sweep: everything is full
        limiter.tryAcquire("late");
        assertThat(limiter.trackedKeys()).as("time-triggered sweep keeps only the key just used").isEqualTo(1);
    }

    @Test
    void sweepKeepsStateOfBucketsThatAreNotFull() {
        TokenBucketRateLimiter limiter = new TokenBucketRateLimiter(3, 3, Duration.ofMinutes(1), nanos::get, 10);
        drain(limiter, "busy");
        for (int i = 0; i < 50; i++) {
            limiter.tryAcquire("key-" + i);
        }
        advance(Duration.ofMinutes(2)); // all one-offs full; busy full too
        drain(limiter, "busy");
        for (int i = 0; i < 50; i++) {
            limiter.tryAcquire("later-" + i);
        }
        assertThat(limiter.tryAcquire("busy").allowed()).as("busy stayed empty through the sweep").isFalse();
        assertThat(limiter.trackedKeys()).isLessThan(60);
    }

    @Test
    void millionOneOffKeysDoNotStayInMemory() {
        // One token each; a bucket is full again 2 s later. Keys arrive over 10 simulated seconds.
        TokenBucketRateLimiter limiter = limiter(30, 30, Duration.ofMinutes(1));
        int maxTracked = 0;
        for (int i = 0; i < 1_000_000; i++) {
            limiter.tryAcquire("device-" + i);
            if (i % 1000 == 0) {
                advance(Duration.ofMillis(10));
                maxTracked = Math.max(maxTracked, limiter.trackedKeys());
            }
        }
        assertThat(maxTracked).as("size-triggered sweeps bound the map").isLessThan(500_000);
        advance(Duration.ofMinutes(2));
        limiter.tryAcquire("late");
        assertThat(limiter.trackedKeys()).as("time-triggered sweep releases the rest").isLessThanOrEqualTo(1);
    }

    @Test
    void concurrentCallersGetExactlyCapacity() throws Exception {
        TokenBucketRateLimiter limiter = limiter(1000, 1, Duration.ofHours(1));
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 500; i++) {
                        if (limiter.tryAcquire("shared").allowed()) {
                            allowed.incrementAndGet();
                        }
                        limiter.tryAcquire("own-" + Thread.currentThread().getId() + "-" + i);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(allowed).hasValue(1000);
    }

    @Test
    void perMinuteUsesTheSystemClock() {
        TokenBucketRateLimiter limiter = TokenBucketRateLimiter.perMinute(2);
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        assertThat(limiter.tryAcquire("k").allowed()).isTrue();
        RateDecision denied = limiter.tryAcquire("k");
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterSeconds()).isBetween(1L, 30L);
    }

    @Test
    void rejectsInvalidConfiguration() {
        assertThatThrownBy(() -> limiter(0, 1, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter(1, 0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter(1, 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> limiter(Integer.MAX_VALUE, 1, Duration.ofDays(365 * 100)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
