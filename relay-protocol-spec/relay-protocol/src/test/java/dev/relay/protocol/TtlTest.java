package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TtlTest {

    @Test
    void constantsAreTheDesignedValues() {
        assertThat(Ttl.MIN_SECONDS).isEqualTo(1);
        assertThat(Ttl.DEFAULT_SECONDS).isEqualTo(604_800);
        assertThat(Ttl.MAX_SECONDS).isEqualTo(2_592_000);
        assertThat(Ttl.MAX_SIGNED_SECONDS).isEqualTo(2_147_483_647L);
    }

    @ParameterizedTest(name = "expires_in={0}, max={1} -> {2}")
    @CsvSource({
            ", 2592000, 604800", // absent: default
            ", 86400, 86400", // default clamped by a smaller operator max
            "1, 2592000, 1",
            "60, 2592000, 60",
            "604800, 2592000, 604800",
            "2592000, 2592000, 2592000",
            "2592001, 2592000, 2592000",
            "7776000, 2592000, 2592000", // 90 days -> 30 days
            "2147483647, 2592000, 2592000",
            "3600, 60, 60",
            "0, 2592000, 1", // never below the minimum
            "-5, 2592000, 1",
            "10, 0, 1",
    })
    void effectiveSeconds(Long expiresIn, long max, long expected) {
        assertThat(Ttl.effectiveSeconds(expiresIn, max)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "ts={0}, expires_in={1} -> {2}")
    @CsvSource({
            "0, , 604800000",
            "1000, 1, 2000",
            "1767225600000, 3600, 1767229200000",
            "1767225600000, 7776000, 1769817600000",
    })
    void expiresAtMillis(long ts, Long expiresIn, long expected) {
        assertThat(Ttl.expiresAtMillis(ts, expiresIn, Ttl.MAX_SECONDS)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "expiresAt-now={0} ms -> {1} s")
    @CsvSource({
            "-100000, 0",
            "-1, 0",
            "0, 0",
            "1, 1",
            "999, 1",
            "1000, 1",
            "1001, 2",
            "1999, 2",
            "2000, 2",
            "2001, 3",
            "2592000000, 2592000",
            "2591999001, 2592000",
    })
    void remainingSecondsRoundsUp(long leftMillis, long expected) {
        long now = 1_767_225_600_000L;
        assertThat(Ttl.remainingSeconds(now + leftMillis, now)).isEqualTo(expected);
    }
}
