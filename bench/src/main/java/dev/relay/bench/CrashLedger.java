package dev.relay.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the crash harness sent, what the broker acknowledged and what each recipient received, and the verdict: every
 * acknowledged message delivered at least once (duplicates counted), nothing delivered after it expired, nothing
 * delivered that was not sent to that recipient. Thread-safe: senders and receivers write to it concurrently.
 */
final class CrashLedger {
    /** Expiry is signed in whole seconds from a millisecond timestamp; allow for that and for the clock's read. */
    static final long EXPIRY_SLACK_MILLIS = 1_000;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();

    private static final class Entry {
        final String recipient;
        final long expiresAtMillis;
        volatile boolean acknowledged;
        final AtomicLong deliveries = new AtomicLong();
        volatile long lateBy = -1;

        Entry(String recipient, long expiresAtMillis) {
            this.recipient = recipient;
            this.expiresAtMillis = expiresAtMillis;
        }
    }

    /** A message about to be sent (or re-sent: the same id keeps its entry). */
    void sent(String id, String recipient, long expiresAtMillis) {
        entries.putIfAbsent(id, new Entry(recipient, expiresAtMillis));
    }

    /** The broker acknowledged {@code id} (PUBACK without error, AMQP accepted). */
    void acknowledged(String id) {
        entries.get(id).acknowledged = true;
    }

    /** The broker answered {@code id} with a refusal: the relay did not take it. */
    void refused(String id) {
        refused.incrementAndGet();
    }

    /** {@code recipient} received {@code id} at {@code atMillis}. */
    void received(String recipient, String id, long atMillis) {
        Entry entry = id == null ? null : entries.get(id);
        if (entry == null || !entry.recipient.equals(recipient)) {
            unexpected.incrementAndGet();
            return;
        }
        entry.deliveries.incrementAndGet();
        if (atMillis > entry.expiresAtMillis + EXPIRY_SLACK_MILLIS) {
            entry.lateBy = atMillis - entry.expiresAtMillis;
        }
    }

    /** Acknowledged messages still waiting for their first delivery that have not expired by {@code nowMillis}. */
    long outstanding(long nowMillis) {
        return entries.values().stream().filter(e -> e.acknowledged && e.deliveries.get() == 0
                && e.expiresAtMillis > nowMillis).count();
    }

    /** The counts, with up to ten ids of acknowledged messages that never arrived although they had not expired. */
    Verdict verdict(long drainedAtMillis) {
        long sent = entries.size();
        long acked = 0;
        long delivered = 0;
        long duplicates = 0;
        long expiredUndelivered = 0;
        long late = 0;
        long lostCount = 0;
        List<String> lost = new ArrayList<>();
        Map<String, Long> lostByRecipient = new java.util.TreeMap<>();
        for (Map.Entry<String, Entry> each : entries.entrySet()) {
            Entry entry = each.getValue();
            long deliveries = entry.deliveries.get();
            if (deliveries > 0) {
                delivered++;
                duplicates += deliveries - 1;
            }
            if (entry.lateBy >= 0) {
                late++;
            }
            if (!entry.acknowledged) {
                continue;
            }
            acked++;
            if (deliveries == 0) {
                if (entry.expiresAtMillis <= drainedAtMillis) {
                    expiredUndelivered++; // the relay may drop what expired before its recipient came back
                } else {
                    lostCount++;
                    lostByRecipient.merge(entry.recipient, 1L, Long::sum);
                    if (lost.size() < 10) {
                        lost.add(each.getKey());
                    }
                }
            }
        }
        return new Verdict(sent, acked, refused.get(), delivered, duplicates, expiredUndelivered, lostCount, late,
                unexpected.get(), lost, lostByRecipient);
    }

    /**
     * @param sent               distinct messages sent (re-sends of an unacknowledged message count once)
     * @param acknowledged       of those, acknowledged by the broker at least once
     * @param refused            refusals the broker answered (none expected: the harness sends only valid envelopes)
     * @param delivered          distinct messages that reached their recipient (acknowledged or not)
     * @param duplicates         deliveries beyond the first
     * @param expiredUndelivered acknowledged, never delivered, expired before the drain ended: allowed
     * @param lost               acknowledged, never delivered, not expired: must be zero
     * @param late               delivered after expiry: must be zero
     * @param unexpected         deliveries of ids never sent to that recipient: must be zero
     */
    record Verdict(long sent, long acknowledged, long refused, long delivered, long duplicates,
                   long expiredUndelivered, long lost, long late, long unexpected, List<String> lostExamples,
                   Map<String, Long> lostByRecipient) {
        boolean ok() {
            return lost == 0 && late == 0 && unexpected == 0 && refused == 0;
        }
    }
}
