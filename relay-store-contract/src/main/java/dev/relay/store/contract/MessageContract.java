package dev.relay.store.contract;

import static dev.relay.store.contract.Fixtures.bytes;
import static dev.relay.store.contract.Fixtures.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.DeliveryState;
import dev.relay.store.HistoryCursor;
import dev.relay.store.MessageRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages: the deduplication key, delivery state, thread history and its paging, expiry. */
public interface MessageContract extends StoreUnderTest {
    private List<String> ids(List<MessageRecord> messages) {
        return messages.stream().map(MessageRecord::messageId).toList();
    }

    @Test
    default void recordAndReadBack() {
        MessageRecord m = new MessageRecord("alice", "m1", "bob", "t1", "m0", "message", 10, 1000, DeliveryState.SENT,
                bytes("envelope"));
        assertThat(store().recordMessage(m)).isTrue();
        assertThat(store().message("alice", "m1")).contains(m);
    }

    @Test
    default void nullableFieldsRoundTrip() {
        MessageRecord m = new MessageRecord("alice", "r1", "bob", null, null, "receipt", 10, 1000,
                DeliveryState.DELIVERED, null);
        store().recordMessage(m);
        MessageRecord read = store().message("alice", "r1").orElseThrow();
        assertThat(read).isEqualTo(m);
        assertThat(read.threadId()).isNull();
        assertThat(read.inReplyTo()).isNull();
        assertThat(read.envelope()).isNull();
    }

    @Test
    default void duplicateIsRefusedAndOriginalKept() {
        MessageRecord original = message("alice", "m1", "bob", null, 10, 1000);
        assertThat(store().recordMessage(original)).isTrue();
        assertThat(store().recordMessage(message("alice", "m1", "carol", "t", 20, 2000))).isFalse();
        assertThat(store().message("alice", "m1")).contains(original);
    }

    @Test
    default void sameIdFromAnotherSenderIsNotADuplicate() {
        assertThat(store().recordMessage(message("alice", "m1", "bob", null, 10, 1000))).isTrue();
        assertThat(store().recordMessage(message("carol", "m1", "bob", null, 10, 1000))).isTrue();
    }

    @Test
    default void unknownMessage() {
        assertThat(store().message("alice", "nope")).isEmpty();
        assertThat(store().transitionDeliveryState("alice", "nope", DeliveryState.SENT, DeliveryState.DELIVERED)).isFalse();
    }

    @Test
    default void updateDeliveryState() {
        store().recordMessage(message("alice", "m1", "bob", null, 10, 1000));
        assertThat(store().transitionDeliveryState("alice", "m1", DeliveryState.SENT, DeliveryState.DELIVERED)).isTrue();
        assertThat(store().message("alice", "m1")).map(MessageRecord::state).contains(DeliveryState.DELIVERED);
    }

    @Test
    default void historyIsNewestFirstAndOnlyTheParticipantsOwn() {
        store().recordMessage(message("alice", "m1", "bob", "t", 100, 10_000));
        store().recordMessage(message("bob", "m2", "alice", "t", 200, 10_000));
        store().recordMessage(message("carol", "m3", "bob", "t", 300, 10_000));
        store().recordMessage(message("alice", "m4", "carol", "t", 400, 10_000));
        store().recordMessage(message("alice", "m5", "bob", "other", 500, 10_000));
        store().recordMessage(message("alice", "m6", "bob", null, 600, 10_000));

        assertThat(ids(store().threadHistory("t", "alice", null, 50))).containsExactly("m4", "m2", "m1");
        assertThat(ids(store().threadHistory("t", "bob", null, 50))).containsExactly("m3", "m2", "m1");
        assertThat(ids(store().threadHistory("t", "carol", null, 50))).containsExactly("m4", "m3");
        assertThat(store().threadHistory("t", "mallory", null, 50)).as("non-participant sees nothing").isEmpty();
        assertThat(store().threadHistory("unknown", "alice", null, 50)).isEmpty();
    }

    @Test
    default void historyPagesWithCursorIncludingEqualTimestamps() {
        // Same ts for several messages: the cursor must break ties by (sender, messageId).
        store().recordMessage(message("alice", "a1", "bob", "t", 100, 10_000));
        store().recordMessage(message("alice", "a2", "bob", "t", 200, 10_000));
        store().recordMessage(message("bob", "b1", "alice", "t", 200, 10_000));
        store().recordMessage(message("alice", "a3", "bob", "t", 200, 10_000));
        store().recordMessage(message("bob", "b2", "alice", "t", 300, 10_000));

        List<String> all = ids(store().threadHistory("t", "alice", null, 100));
        assertThat(all).containsExactly("b2", "b1", "a3", "a2", "a1");

        List<String> paged = new ArrayList<>();
        HistoryCursor cursor = null;
        int pages = 0;
        while (true) {
            List<MessageRecord> page = store().threadHistory("t", "alice", cursor, 2);
            pages++;
            if (page.isEmpty()) {
                break;
            }
            paged.addAll(ids(page));
            cursor = HistoryCursor.after(page.get(page.size() - 1));
        }
        assertThat(paged).isEqualTo(all);
        assertThat(pages).isEqualTo(4);
    }

    @Test
    default void cursorIsStrictlyOlder() {
        store().recordMessage(message("alice", "m1", "bob", "t", 100, 10_000));
        store().recordMessage(message("alice", "m2", "bob", "t", 200, 10_000));
        assertThat(ids(store().threadHistory("t", "bob", new HistoryCursor(200, "alice", "m2"), 10))).containsExactly("m1");
        assertThat(store().threadHistory("t", "bob", new HistoryCursor(100, "alice", "m1"), 10)).isEmpty();
        assertThat(ids(store().threadHistory("t", "bob", new HistoryCursor(Long.MAX_VALUE, "", ""), 1)))
                .containsExactly("m2");
    }

    @Test
    default void historyIncludesExpiredMessagesTheStoreStillHas() {
        store().recordMessage(message("alice", "m1", "bob", "t", 100, 150));
        assertThat(ids(store().threadHistory("t", "bob", null, 10))).containsExactly("m1");
    }

    @Test
    default void markExpiredOnlyTouchesSentMessagesAtOrPastExpiry() {
        store().recordMessage(message("alice", "due", "bob", null, 1, 1000));
        store().recordMessage(message("alice", "early", "bob", null, 1, 500));
        store().recordMessage(message("alice", "later", "bob", null, 1, 1001));
        store().recordMessage(message("alice", "delivered", "bob", null, 1, 100));
        store().transitionDeliveryState("alice", "delivered", DeliveryState.SENT, DeliveryState.DELIVERED);

        List<MessageRecord> expired = store().markExpired(1000, 100);

        assertThat(ids(expired)).containsExactly("early", "due");
        assertThat(expired).allSatisfy(m -> assertThat(m.state()).isEqualTo(DeliveryState.EXPIRED));
        assertThat(expired.get(0).envelope()).isEqualTo(bytes("alice>bob:early"));
        assertThat(store().message("alice", "due")).map(MessageRecord::state).contains(DeliveryState.EXPIRED);
        assertThat(store().message("alice", "later")).map(MessageRecord::state).contains(DeliveryState.SENT);
        assertThat(store().message("alice", "delivered")).map(MessageRecord::state).contains(DeliveryState.DELIVERED);
        assertThat(store().markExpired(1000, 100)).as("already expired").isEmpty();
    }

    @Test
    default void markExpiredRespectsMax() {
        for (int i = 0; i < 5; i++) {
            store().recordMessage(message("alice", "m" + i, "bob", null, 1, 10 + i));
        }
        assertThat(ids(store().markExpired(100, 2))).containsExactly("m0", "m1");
        assertThat(ids(store().markExpired(100, 2))).containsExactly("m2", "m3");
        assertThat(ids(store().markExpired(100, 2))).containsExactly("m4");
        assertThat(store().markExpired(100, 2)).isEmpty();
    }

    @Test
    default void deleteExpiredMessagesWhateverTheirState() {
        store().recordMessage(message("alice", "a", "bob", null, 1, 999));
        store().recordMessage(message("alice", "b", "bob", null, 1, 1000));
        store().recordMessage(message("alice", "c", "bob", null, 1, 1001));
        store().transitionDeliveryState("alice", "a", DeliveryState.SENT, DeliveryState.DELIVERED);

        assertThat(store().deleteExpiredMessages(1000)).isEqualTo(2);
        assertThat(store().message("alice", "a")).isEmpty();
        assertThat(store().message("alice", "b")).isEmpty();
        assertThat(store().message("alice", "c")).isPresent();
        assertThat(store().deleteExpiredMessages(1000)).isZero();
        assertThat(store().recordMessage(message("alice", "a", "bob", null, 2, 5000)))
                .as("a deleted id can be recorded again").isTrue();
    }

    @Test
    default void invalidArguments() {
        assertThatThrownBy(() -> store().threadHistory("t", "a", null, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store().markExpired(1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store().recordMessage(null)).isInstanceOf(NullPointerException.class);
    }
}
