package dev.relay.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The replay cache: a connect-token nonce is used once, per key, until pruned. */
public interface NonceContract extends StoreUnderTest {
    @Test
    default void firstUseIsNewSecondIsReplay() {
        assertThat(store().rememberNonce("alice", "n1", 1000)).isTrue();
        assertThat(store().rememberNonce("alice", "n1", 1000)).isFalse();
        assertThat(store().rememberNonce("alice", "n1", 5000)).as("a later expiry changes nothing").isFalse();
    }

    @Test
    default void nonceIsScopedToTheKey() {
        assertThat(store().rememberNonce("alice", "n1", 1000)).isTrue();
        assertThat(store().rememberNonce("bob", "n1", 1000)).isTrue();
        assertThat(store().rememberNonce("alice", "n2", 1000)).isTrue();
    }

    @Test
    default void pruneDeletesOnlyExpiredIncludingTheBoundary() {
        store().rememberNonce("alice", "a", 999);
        store().rememberNonce("alice", "b", 1000);
        store().rememberNonce("alice", "c", 1001);

        assertThat(store().pruneNonces(1000)).isEqualTo(2);
        assertThat(store().pruneNonces(1000)).isZero();

        assertThat(store().rememberNonce("alice", "a", 2000)).as("forgotten after prune").isTrue();
        assertThat(store().rememberNonce("alice", "c", 2000)).as("still remembered").isFalse();
    }

    @Test
    default void expiredButNotPrunedStillCountsAsSeen() {
        store().rememberNonce("alice", "a", 10);
        assertThat(store().rememberNonce("alice", "a", 99_999)).isFalse();
    }
}
