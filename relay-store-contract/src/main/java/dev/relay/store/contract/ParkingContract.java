package dev.relay.store.contract;

import static dev.relay.store.contract.Fixtures.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.ParkedMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parked messages: arrival order by a store-wide sequence never reused, expiry, per-recipient counts. */
public interface ParkingContract extends StoreUnderTest {
    @Test
    default void seqsIncrease() {
        long a = store().park("bob", bytes("1"), 1000);
        long b = store().park("carol", bytes("2"), 1000);
        long c = store().park("bob", bytes("3"), 1000);
        assertThat(a).isPositive();
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
    }

    @Test
    default void seqIsNeverReusedEvenAfterRemovingTheNewestAndReopening() {
        store().park("bob", bytes("1"), 1000);
        long newest = store().park("bob", bytes("2"), 1000);
        store().removeParked(List.of(newest));
        assertThat(store().park("bob", bytes("3"), 1000)).isGreaterThan(newest);

        long beforeReopen = store().park("bob", bytes("4"), 1000);
        store().removeParked(List.of(beforeReopen));
        reopen();
        assertThat(store().park("bob", bytes("5"), 1000)).isGreaterThan(beforeReopen);
    }

    @Test
    default void listsUnexpiredOldestFirstPerRecipient() {
        long s1 = store().park("bob", bytes("one"), 2000);
        store().park("bob", bytes("gone"), 1000);
        store().park("carol", bytes("not bob's"), 2000);
        long s3 = store().park("bob", bytes("three"), 3000);

        assertThat(store().parked("bob", 1000, 10)).containsExactly(
                new ParkedMessage(s1, "bob", bytes("one"), 2000),
                new ParkedMessage(s3, "bob", bytes("three"), 3000));
        assertThat(store().parked("bob", 1000, 1)).extracting(ParkedMessage::seq).containsExactly(s1);
        assertThat(store().parked("bob", 2000, 10)).extracting(ParkedMessage::seq).containsExactly(s3);
        assertThat(store().parked("nobody", 0, 10)).isEmpty();
    }

    @Test
    default void countsUnexpiredOnly() {
        store().park("bob", bytes("a"), 1000);
        store().park("bob", bytes("b"), 2000);
        store().park("carol", bytes("c"), 2000);
        assertThat(store().parkedCount("bob", 999)).isEqualTo(2);
        assertThat(store().parkedCount("bob", 1000)).isEqualTo(1);
        assertThat(store().parkedCount("bob", 2000)).isZero();
        assertThat(store().parkedCount("nobody", 0)).isZero();
    }

    @Test
    default void removeIgnoresUnknownAndEmpty() {
        long a = store().park("bob", bytes("a"), 1000);
        long b = store().park("bob", bytes("b"), 1000);
        store().removeParked(List.of());
        store().removeParked(List.of(a, 999_999L));
        assertThat(store().parked("bob", 0, 10)).extracting(ParkedMessage::seq).containsExactly(b);
    }

    @Test
    default void deleteExpiredIncludingTheBoundary() {
        store().park("bob", bytes("a"), 999);
        store().park("bob", bytes("b"), 1000);
        long c = store().park("bob", bytes("c"), 1001);
        assertThat(store().deleteExpiredParked(1000)).isEqualTo(2);
        assertThat(store().deleteExpiredParked(1000)).isZero();
        assertThat(store().parked("bob", 0, 10)).extracting(ParkedMessage::seq).containsExactly(c);
    }

    @Test
    default void largeEnvelopesRoundTrip() {
        byte[] big = new byte[1 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        store().park("bob", big, 1000);
        assertThat(store().parked("bob", 0, 1).get(0).envelope()).isEqualTo(big);
    }
}
