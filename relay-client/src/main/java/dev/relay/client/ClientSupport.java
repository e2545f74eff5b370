package dev.relay.client;

import dev.relay.protocol.ClientIds;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;

/** Pieces every client's builder and life cycle need, the same on every transport. */
public final class ClientSupport {
    private ClientSupport() {
    }

    /**
     * Loads the key file, or creates one (mode 0600) if there is none (SPEC §1.3).
     *
     * @throws UncheckedIOException     if the file cannot be read or written
     * @throws IllegalArgumentException if it is not a valid key file
     */
    public static RelayKeyPair loadOrCreateKey(Path file) {
        try {
            return KeyFiles.loadOrCreate(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RelayException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Refuses a session suffix that SPEC §2.6 does not allow (null is fine: no suffix). */
    public static void requireValidSessionSuffix(KeyId key, String suffix) {
        if (suffix == null) {
            return;
        }
        try {
            ClientIds.resolve(key + "." + suffix, key);
        } catch (RelayException e) {
            throw new IllegalArgumentException("session suffix must be 1..20 chars of A-Z a-z 0-9 _ -", e);
        }
    }

    /** Named daemon threads: a client must never keep the application's JVM alive. */
    public static ThreadFactory daemonThreads(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Wakes the waiters on {@code lock} (held by the caller) and tells the listener; a failing listener is logged. */
    public static <S> void announce(Object lock, S next, Consumer<S> listener, Logger log) {
        lock.notifyAll();
        try {
            listener.accept(next);
        } catch (RuntimeException e) {
            log.warn("State listener failed on {}", next, e);
        }
    }

    /**
     * Waits on {@code lock} until the state is {@code wanted} or {@code terminal}; true if it is {@code wanted}, false
     * on timeout or at {@code terminal}.
     */
    public static <S> boolean awaitState(Object lock, Supplier<S> state, S wanted, S terminal, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (state.get() != wanted && state.get() != terminal) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return state.get() == wanted;
        }
    }
}
