package dev.relay.store.contract;

import static dev.relay.store.contract.Fixtures.bytes;
import static dev.relay.store.contract.Fixtures.message;
import static dev.relay.store.contract.Fixtures.race;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.AuditVerification;
import dev.relay.store.Presence;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The atomic steps the engine relies on when sessions (or relay nodes sharing one store) race: one winner per nonce, per
 * first connect and per message id, and every write that returned is in the store, audit chain unbroken.
 */
public interface ConcurrencyContract extends StoreUnderTest {
    int THREADS = 8;
    int ROUNDS = 40;

    @Test
    default void concurrentUsesOfOneNonceHaveOneWinner() throws Exception {
        List<List<Integer>> won = race(THREADS, thread -> () -> {
            List<Integer> mine = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                if (store().rememberNonce("alice", "nonce-" + i, 10_000)) {
                    mine.add(i);
                }
            }
            return mine;
        });
        List<Integer> all = won.stream().flatMap(List::stream).sorted().toList();
        assertThat(all).as("each nonce used once, by one session").hasSize(ROUNDS).doesNotHaveDuplicates();
    }

    @Test
    default void concurrentFirstConnectsReportOneNewIdentity() throws Exception {
        List<List<Integer>> firsts = race(THREADS, thread -> () -> {
            List<Integer> mine = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                if (store().recordConnected("device-" + i, 100 + thread)) {
                    mine.add(i);
                }
            }
            return mine;
        });
        List<Integer> all = firsts.stream().flatMap(List::stream).sorted().toList();
        assertThat(all).as("identity.first_seen once per identity").hasSize(ROUNDS).doesNotHaveDuplicates();
        assertThat(store().presence("device-0")).hasValueSatisfying(p -> assertThat(p.online()).isTrue());

        race(THREADS, thread -> () -> {
            for (int i = 0; i < ROUNDS; i++) {
                store().recordDisconnected("device-" + i, 500);
            }
            return null;
        });
        assertThat(store().presence("device-0")).as("every session counted, so the last one takes it offline")
                .map(Presence::online).contains(false);
    }

    @Test
    default void concurrentAcceptsOfOneMessageHaveOneWinner() throws Exception {
        List<Boolean> accepted = race(THREADS, thread -> () -> store().acceptMessage(
                message("alice", "m1", "bob", "t", 1, 10_000),
                new AuditEvent(1, "message.sent", "alice", "bob", "try " + thread), bytes("parked " + thread)));
        assertThat(accepted).containsOnlyOnce(true);
        assertThat(store().audit(1, 100)).hasSize(1);
        assertThat(store().parkedCount("bob", 0)).isEqualTo(1);
    }

    @Test
    default void concurrentAcceptsAreAllDurableAndAuditedInOneIntactChain() throws Exception {
        race(THREADS, thread -> () -> {
            for (int i = 0; i < ROUNDS; i++) {
                String id = "m-" + thread + "-" + i;
                assertThat(store().acceptMessage(message("alice", id, "bob", "t", i, 10_000),
                        new AuditEvent(i, "message.sent", "alice", "bob", id), i % 2 == 0 ? bytes(id) : null)).isTrue();
            }
            return null;
        });
        int total = THREADS * ROUNDS;

        reopen();

        assertThat(store().threadHistory("t", "bob", null, 10_000)).hasSize(total);
        assertThat(store().parkedCount("bob", 0)).isEqualTo(total / 2);
        assertThat(store().verifyAuditChain()).isEqualTo(AuditVerification.ok(total));
        Set<String> audited = store().audit(1, 10_000).stream().map(AuditRecord::detail).collect(Collectors.toSet());
        assertThat(audited).as("one audit record per message").hasSize(total);
    }

    @Test
    default void concurrentWritersOfEveryKindKeepExactCounts() throws Exception {
        List<Set<Long>> seqs = race(THREADS, thread -> () -> {
            Set<Long> mine = new HashSet<>();
            for (int i = 0; i < ROUNDS; i++) {
                store().recordMessage(message("alice", "m-" + (thread / 2) + "-" + i, "bob", "t", i, 10_000));
                mine.add(store().park("bob", bytes(thread + ":" + i), 10_000));
                store().appendAudit(new AuditEvent(i, "test", "thread" + thread, "", Integer.toString(i)));
                store().recordConnected("dev" + thread, i);
            }
            return mine;
        });
        assertThat(seqs.stream().flatMap(Set::stream).collect(Collectors.toSet())).as("parking seqs never shared")
                .hasSize(THREADS * ROUNDS);
        assertThat(store().parkedCount("bob", 0)).isEqualTo(THREADS * ROUNDS);
        assertThat(store().threadHistory("t", "bob", null, 10_000)).as("half of the ids collided")
                .hasSize(THREADS / 2 * ROUNDS);
        assertThat(store().verifyAuditChain()).isEqualTo(AuditVerification.ok(THREADS * ROUNDS));
    }
}
