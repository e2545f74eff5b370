package dev.relay.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.PolicyRecord;
import dev.relay.store.Presence;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SqliteIdentitiesTest extends StoreTestSupport {

    @Nested
    class Nonces {

        @Test
        void firstUseIsNewSecondIsReplay() {
            assertThat(store.rememberNonce("alice", "n1", 1000)).isTrue();
            assertThat(store.rememberNonce("alice", "n1", 1000)).isFalse();
            assertThat(store.rememberNonce("alice", "n1", 5000)).as("a later expiry changes nothing").isFalse();
        }

        @Test
        void nonceIsScopedToTheKey() {
            assertThat(store.rememberNonce("alice", "n1", 1000)).isTrue();
            assertThat(store.rememberNonce("bob", "n1", 1000)).isTrue();
            assertThat(store.rememberNonce("alice", "n2", 1000)).isTrue();
        }

        @Test
        void pruneDeletesOnlyExpiredIncludingTheBoundary() {
            store.rememberNonce("alice", "a", 999);
            store.rememberNonce("alice", "b", 1000);
            store.rememberNonce("alice", "c", 1001);

            assertThat(store.pruneNonces(1000)).isEqualTo(2);
            assertThat(store.pruneNonces(1000)).isZero();

            assertThat(store.rememberNonce("alice", "a", 2000)).as("forgotten after prune").isTrue();
            assertThat(store.rememberNonce("alice", "c", 2000)).as("still remembered").isFalse();
        }

        @Test
        void expiredButNotPrunedStillCountsAsSeen() {
            store.rememberNonce("alice", "a", 10);
            assertThat(store.rememberNonce("alice", "a", 99_999)).isFalse();
        }
    }

    @Nested
    class Presences {

        @Test
        void unknownIdentityHasNoPresence() {
            assertThat(store.presence("nobody")).isEmpty();
        }

        @Test
        void connectCreatesTheIdentity() {
            store.recordConnected("alice", 100);
            assertThat(store.presence("alice")).contains(new Presence(true, 100, 100));
        }

        @Test
        void onlyTheFirstConnectEverReportsANewIdentity() {
            assertThat(store.recordConnected("alice", 100)).isTrue();
            assertThat(store.recordConnected("alice", 150)).as("second session").isFalse();
            store.recordDisconnected("alice", 200);
            store.recordDisconnected("alice", 210);
            store.resetPresence(300);
            assertThat(store.recordConnected("alice", 400)).as("back after going offline").isFalse();
            assertThat(store.recordConnected("bob", 400)).isTrue();
        }

        @Test
        void disconnectGoesOffline() {
            store.recordConnected("alice", 100);
            store.recordDisconnected("alice", 200);
            assertThat(store.presence("alice")).contains(new Presence(false, 200, 100));
        }

        @Test
        void staysOnlineWhileAnySessionRemains() {
            store.recordConnected("alice", 100);
            store.recordConnected("alice", 150);
            assertThat(store.presence("alice")).contains(new Presence(true, 150, 100));

            store.recordDisconnected("alice", 200);
            assertThat(store.presence("alice")).contains(new Presence(true, 200, 100));

            store.recordDisconnected("alice", 300);
            assertThat(store.presence("alice")).contains(new Presence(false, 300, 100));
        }

        @Test
        void firstSeenNeverChanges() {
            store.recordConnected("alice", 100);
            store.recordDisconnected("alice", 200);
            store.recordConnected("alice", 500);
            assertThat(store.presence("alice")).contains(new Presence(true, 500, 100));
        }

        @Test
        void disconnectOfUnknownIdentityIsIgnored() {
            store.recordDisconnected("ghost", 100);
            assertThat(store.presence("ghost")).isEmpty();
        }

        @Test
        void extraDisconnectDoesNotGoNegative() {
            store.recordConnected("alice", 100);
            store.recordDisconnected("alice", 200);
            store.recordDisconnected("alice", 210);
            store.recordConnected("alice", 300);
            assertThat(store.presence("alice")).map(Presence::online).contains(true);
            store.recordDisconnected("alice", 400);
            assertThat(store.presence("alice")).map(Presence::online).contains(false);
        }

        @Test
        void lastSeenDoesNotGoBackwards() {
            store.recordConnected("alice", 500);
            store.recordDisconnected("alice", 400);
            assertThat(store.presence("alice")).contains(new Presence(false, 500, 500));
        }

        @Test
        void resetMarksEveryoneOffline() {
            store.recordConnected("alice", 100);
            store.recordConnected("alice", 110);
            store.recordConnected("bob", 120);
            store.recordConnected("carol", 50);
            store.recordDisconnected("carol", 60);

            store.resetPresence(1000);

            assertThat(store.presence("alice")).contains(new Presence(false, 1000, 100));
            assertThat(store.presence("bob")).contains(new Presence(false, 1000, 120));
            assertThat(store.presence("carol")).as("was offline: untouched").contains(new Presence(false, 60, 50));

            store.recordConnected("alice", 2000);
            assertThat(store.presence("alice")).contains(new Presence(true, 2000, 100));
            store.recordDisconnected("alice", 2100);
            assertThat(store.presence("alice")).as("old sessions no longer count").map(Presence::online).contains(false);
        }
    }

    @Nested
    class Policies {

        @Test
        void noPolicyByDefault() {
            assertThat(store.policy("alice")).isEmpty();
        }

        @Test
        void saveAndRead() {
            PolicyRecord policy = new PolicyRecord("allowlist", List.of("bob", "carol"), List.of("mallory"), 123);
            store.savePolicy("alice", policy);
            assertThat(store.policy("alice")).contains(policy);
            assertThat(store.policy("bob")).isEmpty();
        }

        @Test
        void saveReplacesModeAndBothLists() {
            store.savePolicy("alice", new PolicyRecord("allowlist", List.of("b", "c", "d"), List.of("x", "y"), 1));
            PolicyRecord replacement = new PolicyRecord("blocklist", List.of("d"), List.of(), 2);
            store.savePolicy("alice", replacement);
            assertThat(store.policy("alice")).contains(replacement);
        }

        @Test
        void emptyListsAndNullLists() {
            store.savePolicy("alice", new PolicyRecord("open", null, null, 5));
            assertThat(store.policy("alice")).contains(new PolicyRecord("open", List.of(), List.of(), 5));
        }

        @Test
        void keepsOrderOfLargeLists() {
            List<String> allow = IntStream.range(0, 1000).mapToObj(i -> "key-" + (999 - i)).toList();
            List<String> block = IntStream.range(0, 1000).mapToObj(i -> "blk-" + i).toList();
            store.savePolicy("alice", new PolicyRecord("allowlist", allow, block, 9));
            PolicyRecord read = store.policy("alice").orElseThrow();
            assertThat(read.allow()).containsExactlyElementsOf(allow);
            assertThat(read.block()).containsExactlyElementsOf(block);
        }

        @Test
        void policiesOfDifferentIdentitiesAreIndependent() {
            store.savePolicy("alice", new PolicyRecord("closed", List.of("x"), List.of(), 1));
            store.savePolicy("bob", new PolicyRecord("open", List.of(), List.of("y"), 2));
            store.savePolicy("alice", new PolicyRecord("closed", List.of(), List.of(), 3));
            assertThat(store.policy("bob")).contains(new PolicyRecord("open", List.of(), List.of("y"), 2));
        }
    }
}
