package dev.relay.artemis;

import dev.relay.core.ConnectFacts;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator log lines for refused connects and sends: one line each, with the identity, the transport and the stable
 * code, but at most {@value #LINES_PER_MINUTE} per minute, so that a spam attack cannot flood the broker log; the
 * rest are counted and summarised in one line when the next minute starts.
 */
final class RefusalLog {
    private static final Logger LOG = LoggerFactory.getLogger("dev.relay.artemis.refusals");
    static final int LINES_PER_MINUTE = 20;
    private static final long MINUTE_MS = 60_000;

    private final AtomicLong windowStart = new AtomicLong();
    private final AtomicLong linesInWindow = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();

    void connectRefused(ConnectFacts facts, String user, RelayException refused) {
        if (admit()) {
            LOG.info("Relay refused a {} connect from {} as '{}': {}", name(facts.transport()), facts.remoteAddress(),
                    shorten(user), refused.reasonString());
        }
    }

    void sendRefused(KeyId identity, ConnectFacts.Transport transport, String address, RelayException refused) {
        if (admit()) {
            LOG.info("Relay refused a {} send by {} to '{}': {}", name(transport), identity, shorten(address),
                    refused.reasonString());
        }
    }

    private boolean admit() {
        long now = System.currentTimeMillis();
        long start = windowStart.get();
        if (now - start >= MINUTE_MS && windowStart.compareAndSet(start, now)) {
            linesInWindow.set(0);
            long dropped = suppressed.getAndSet(0);
            if (dropped > 0) {
                LOG.warn("Relay refused {} more connects or sends in the last minute without logging each "
                        + "(at most {} lines per minute); see the relay.*.refused metrics", dropped, LINES_PER_MINUTE);
            }
        }
        if (linesInWindow.incrementAndGet() <= LINES_PER_MINUTE) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    private static String name(ConnectFacts.Transport transport) {
        return transport.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String shorten(String text) {
        if (text == null) {
            return "";
        }
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
