package dev.relay.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static final Duration MIN = Duration.ofMillis(500);
    private static final Duration MAX = Duration.ofSeconds(30);

    @Test
    void theCapDoublesFromMinUpToMax() {
        Backoff backoff = new Backoff(MIN, MAX, () -> 0.999_999_999);

        assertThat(millis(backoff, 8)).containsExactly(500, 999, 1999, 3999, 7999, 15999, 29999, 29999);
    }

    @Test
    void neverGoesBelowMin() {
        Backoff backoff = new Backoff(MIN, MAX, () -> 0.0);

        assertThat(millis(backoff, 5)).containsOnly(500L);
    }

    @Test
    void jitterStaysWithinMinAndTheCurrentCap() {
        Random random = new Random(42);
        Backoff backoff = new Backoff(MIN, MAX, random::nextDouble);
        Set<Long> delaysAtMax = new HashSet<>();
        long cap = MIN.toMillis();
        for (int attempt = 0; attempt < 40; attempt++) {
            long delay = backoff.next().toMillis();
            assertThat(delay).isBetween(MIN.toMillis(), cap);
            if (cap == MAX.toMillis()) {
                delaysAtMax.add(delay);
            }
            cap = Math.min(cap * 2, MAX.toMillis());
        }
        assertThat(delaysAtMax).hasSizeGreaterThan(20); // spread out, not all at the cap
    }

    @Test
    void resetStartsOverAndManyAttemptsDoNotOverflow() {
        Backoff backoff = new Backoff(MIN, MAX, () -> 0.999_999_999);
        for (int i = 0; i < 100; i++) {
            assertThat(backoff.next()).isBetween(MIN, MAX);
        }
        backoff.reset();

        assertThat(backoff.next().toMillis()).isEqualTo(500);
    }

    @Test
    void refusesBadBounds() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, MAX, () -> 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(MAX, MIN, () -> 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static long[] millis(Backoff backoff, int count) {
        long[] delays = new long[count];
        for (int i = 0; i < count; i++) {
            delays[i] = backoff.next().toMillis();
        }
        return delays;
    }
}
