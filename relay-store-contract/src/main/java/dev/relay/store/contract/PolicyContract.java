package dev.relay.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.PolicyRecord;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Inbox policies: mode and both lists replaced as one, order kept. */
public interface PolicyContract extends StoreUnderTest {
    @Test
    default void noPolicyByDefault() {
        assertThat(store().policy("alice")).isEmpty();
    }

    @Test
    default void saveAndRead() {
        PolicyRecord policy = new PolicyRecord("allowlist", List.of("bob", "carol"), List.of("mallory"), 123);
        store().savePolicy("alice", policy);
        assertThat(store().policy("alice")).contains(policy);
        assertThat(store().policy("bob")).isEmpty();
    }

    @Test
    default void saveReplacesModeAndBothLists() {
        store().savePolicy("alice", new PolicyRecord("allowlist", List.of("b", "c", "d"), List.of("x", "y"), 1));
        PolicyRecord replacement = new PolicyRecord("blocklist", List.of("d"), List.of(), 2);
        store().savePolicy("alice", replacement);
        assertThat(store().policy("alice")).contains(replacement);
    }

    @Test
    default void emptyListsAndNullLists() {
        store().savePolicy("alice", new PolicyRecord("open", null, null, 5));
        assertThat(store().policy("alice")).contains(new PolicyRecord("open", List.of(), List.of(), 5));
    }

    @Test
    default void keepsOrderOfLargeLists() {
        List<String> allow = IntStream.range(0, 1000).mapToObj(i -> "key-" + (999 - i)).toList();
        List<String> block = IntStream.range(0, 1000).mapToObj(i -> "blk-" + i).toList();
        store().savePolicy("alice", new PolicyRecord("allowlist", allow, block, 9));
        PolicyRecord read = store().policy("alice").orElseThrow();
        assertThat(read.allow()).containsExactlyElementsOf(allow);
        assertThat(read.block()).containsExactlyElementsOf(block);
    }

    @Test
    default void policiesOfDifferentIdentitiesAreIndependent() {
        store().savePolicy("alice", new PolicyRecord("closed", List.of("x"), List.of(), 1));
        store().savePolicy("bob", new PolicyRecord("open", List.of(), List.of("y"), 2));
        store().savePolicy("alice", new PolicyRecord("closed", List.of(), List.of(), 3));
        assertThat(store().policy("bob")).contains(new PolicyRecord("open", List.of(), List.of("y"), 2));
    }
}
