package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageIdTest {

    private static long timePrefix(byte[] id) {
        long millis = 0;
        for (int i = 0; i < 6; i++) {
            millis = (millis << 8) | (id[i] & 0xff);
        }
        return millis;
    }

    @ParameterizedTest(name = "time {0}")
    @ValueSource(longs = {0L, 1L, 1_767_225_600_000L, 0xFFFF_FFFF_FFFFL, 0x0102_0304_0506L})
    void generateHasTheUuid7Layout(long millis) throws RelayException {
        String id = MessageId.generate(millis);
        byte[] bytes = Base64Url.decode(id, "id", 16);

        assertThat(id).hasSize(22).matches("[A-Za-z0-9_-]{22}");
        assertThat(MessageId.requireValid(id, "id")).isEqualTo(id);
        assertThat((bytes[6] & 0xf0) >>> 4).as("version nibble").isEqualTo(7);
        assertThat((bytes[8] & 0xc0) >>> 6).as("variant bits 10").isEqualTo(2);
        assertThat(timePrefix(bytes)).isEqualTo(millis);
    }

    @Test
    void generateWithoutArgumentsUsesTheClock() throws RelayException {
        long before = System.currentTimeMillis();
        byte[] bytes = Base64Url.decode(MessageId.generate(), "id", 16);
        long after = System.currentTimeMillis();
        assertThat(timePrefix(bytes)).isBetween(before, after);
        assertThat(bytes[6] & 0xf0).isEqualTo(0x70);
    }

    @Test
    void timePrefixIncreasesWithTimeAndIdsSortByTime() throws RelayException {
        long t = 1_767_225_600_000L;
        String previous = null;
        for (int i = 0; i < 1000; i++) {
            long now = t + i * 997L;
            String id = MessageId.generate(now);
            byte[] bytes = Base64Url.decode(id, "id", 16);
            assertThat(timePrefix(bytes)).isEqualTo(now);
            if (previous != null) {
                // base64url's alphabet is not in ASCII order, so compare decoded prefixes.
                assertThat(timePrefix(bytes)).isGreaterThan(timePrefix(Base64Url.decode(previous, "id", 16)));
            }
            previous = id;
        }
    }

    @Test
    void idsOfTheSameMillisecondDiffer() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(MessageId.generate(42));
        }
        assertThat(ids).hasSize(10_000);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"", "AAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAAAAAAB",
            "AAAAAAAAAAAAAAAAAAAAA=", "AAAAAAAAAAAAAAAAAAAA+A", "AAAAAAAAAAAAAAAAAAAA A", "AAAAAAAAAAAAAAAAAAAAAé"})
    void requireValidRejects(String text) {
        assertThatThrownBy(() -> MessageId.requireValid(text, "thread_id"))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED);
                    assertThat(e.getMessage()).contains("thread_id");
                });
    }

    @Test
    void requireValidRejectsNull() {
        assertThatThrownBy(() -> MessageId.requireValid(null, "id")).isInstanceOf(RelayException.class);
    }
}
