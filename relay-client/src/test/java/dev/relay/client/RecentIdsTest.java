package dev.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentIdsTest {
    @Test
    void reportsDuplicates() {
        RecentIds recent = new RecentIds(10);

        assertThat(recent.add("alice a1")).isTrue();
        assertThat(recent.add("alice a1")).isFalse();
        assertThat(recent.add("bob a1")).isTrue();
    }

    @Test
    void evictsTheLeastRecentlySeen() {
        RecentIds recent = new RecentIds(3);
        recent.add("a");
        recent.add("b");
        recent.add("c");
        recent.add("a"); // seen again: now the most recent

        recent.add("d"); // evicts b

        assertThat(recent.size()).isEqualTo(3);
        assertThat(recent.add("a")).isFalse();
        assertThat(recent.add("c")).isFalse();
        assertThat(recent.add("b")).isTrue();
    }

    @Test
    void forgottenKeysAreNewAgain() {
        RecentIds recent = new RecentIds(3);
        recent.add("a");

        recent.remove("a");

        assertThat(recent.add("a")).isTrue();
    }
}
