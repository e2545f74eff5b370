package dev.relay.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.Presence;
import org.junit.jupiter.api.Test;

/** Identities and presence: the first connect ever, sessions counted, reset at start. */
public interface PresenceContract extends StoreUnderTest {
    @Test
    default void unknownIdentityHasNoPresence() {
        assertThat(store().presence("nobody")).isEmpty();
    }

    @Test
    default void connectCreatesTheIdentity() {
        store().recordConnected("alice", 100);
        assertThat(store().presence("alice")).contains(new Presence(true, 100, 100));
    }

    @Test
    default void onlyTheFirstConnectEverReportsANewIdentity() {
        assertThat(store().recordConnected("alice", 100)).isTrue();
        assertThat(store().recordConnected("alice", 150)).as("second session").isFalse();
        store().recordDisconnected("alice", 200);
        store().recordDisconnected("alice", 210);
        store().resetPresence(300);
        assertThat(store().recordConnected("alice", 400)).as("back after going offline").isFalse();
        assertThat(store().recordConnected("bob", 400)).isTrue();
    }

    @Test
    default void disconnectGoesOffline() {
        store().recordConnected("alice", 100);
        store().recordDisconnected("alice", 200);
        assertThat(store().presence("alice")).contains(new Presence(false, 200, 100));
    }

    @Test
    default void staysOnlineWhileAnySessionRemains() {
        store().recordConnected("alice", 100);
        store().recordConnected("alice", 150);
        assertThat(store().presence("alice")).contains(new Presence(true, 150, 100));

        store().recordDisconnected("alice", 200);
        assertThat(store().presence("alice")).contains(new Presence(true, 200, 100));

        store().recordDisconnected("alice", 300);
        assertThat(store().presence("alice")).contains(new Presence(false, 300, 100));
    }

    @Test
    default void firstSeenNeverChanges() {
        store().recordConnected("alice", 100);
        store().recordDisconnected("alice", 200);
        store().recordConnected("alice", 500);
        assertThat(store().presence("alice")).contains(new Presence(true, 500, 100));
    }

    @Test
    default void disconnectOfUnknownIdentityIsIgnored() {
        store().recordDisconnected("ghost", 100);
        assertThat(store().presence("ghost")).isEmpty();
    }

    @Test
    default void extraDisconnectDoesNotGoNegative() {
        store().recordConnected("alice", 100);
        store().recordDisconnected("alice", 200);
        store().recordDisconnected("alice", 210);
        store().recordConnected("alice", 300);
        assertThat(store().presence("alice")).map(Presence::online).contains(true);
        store().recordDisconnected("alice", 400);
        assertThat(store().presence("alice")).map(Presence::online).contains(false);
    }

    @Test
    default void lastSeenDoesNotGoBackwards() {
        store().recordConnected("alice", 500);
        store().recordDisconnected("alice", 400);
        assertThat(store().presence("alice")).contains(new Presence(false, 500, 500));
    }

    @Test
    default void resetMarksEveryoneOffline() {
        store().recordConnected("alice", 100);
        store().recordConnected("alice", 110);
        store().recordConnected("bob", 120);
        store().recordConnected("carol", 50);
        store().recordDisconnected("carol", 60);

        store().resetPresence(1000);

        assertThat(store().presence("alice")).contains(new Presence(false, 1000, 100));
        assertThat(store().presence("bob")).contains(new Presence(false, 1000, 120));
        assertThat(store().presence("carol")).as("was offline: untouched").contains(new Presence(false, 60, 50));

        store().recordConnected("alice", 2000);
        assertThat(store().presence("alice")).contains(new Presence(true, 2000, 100));
        store().recordDisconnected("alice", 2100);
        assertThat(store().presence("alice")).as("old sessions no longer count").map(Presence::online).contains(false);
    }
}
