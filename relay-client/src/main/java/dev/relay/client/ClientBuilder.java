package dev.relay.client;

import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayKeyPair;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What every client is configured with, whatever its transport; a transport's builder adds its own settings and builds
 * its {@link ClientCore}. Fields are read by the core in this package.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ClientBuilder<B extends ClientBuilder<B>> {
    RelayKeyPair key;
    String session;
    KeyId relayKey;
    IncomingHandler handler;
    Consumer<ConnectionState> stateListener = state -> { };
    Consumer<String> discardListener = reason -> { };
    Outbox outbox;
    boolean reconnect = true;
    Duration backoffMin;
    Duration backoffMax;
    Duration requestTimeout = Duration.ofSeconds(30);
    Duration connectTimeout = Duration.ofSeconds(10);
    Duration refusalWindow;

    /** With the transport's default reconnect delays. */
    protected ClientBuilder(Duration backoffMin, Duration backoffMax) {
        this.backoffMin = backoffMin;
        this.backoffMax = backoffMax;
    }

    /** {@code this}, typed as the concrete builder. */
    protected abstract B self();

    public B key(RelayKeyPair key) {
        this.key = key;
        return self();
    }

    /**
     * Loads the key file, or creates one (mode 0600) if there is none (SPEC §1.3).
     *
     * @throws UncheckedIOException     if the file cannot be read or written
     * @throws IllegalArgumentException if it is not a valid key file
     */
    public B keyFile(Path file) {
        return key(ClientSupport.loadOrCreateKey(file));
    }

    /** Session suffix: the client id becomes {@code <key id>.<suffix>} (SPEC §2.6). */
    public B session(String suffix) {
        this.session = suffix;
        return self();
    }

    /** Pins the relay key that signs response and error envelopes (instead of trusting it on first use). */
    public B relayKey(KeyId relayKey) {
        this.relayKey = relayKey;
        return self();
    }

    /** Receives verified inbox envelopes; without one, they are acknowledged and dropped. */
    public B onMessage(IncomingHandler handler) {
        this.handler = handler;
        return self();
    }

    /** Observes state changes (called under the client's lock: keep it short, do not block). */
    public B onStateChange(Consumer<ConnectionState> listener) {
        this.stateListener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /**
     * Told the reason ({@code "<code>: <text>"}) of every inbox envelope discarded by the SPEC §3.8 checks (not of
     * duplicates). Runs on the transport's thread: keep it short; an exception it throws is logged and ignored.
     */
    public B onDiscard(Consumer<String> listener) {
        this.discardListener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /**
     * Keeps sends in this file until the relay accepted them, across offline periods and process restarts: they go
     * out, in order, as soon as a connection is up, and none is delivered twice.
     *
     * @throws UncheckedIOException if the file cannot be read or created
     */
    public B outbox(Path file) {
        try {
            this.outbox = Outbox.open(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the outbox " + file, e);
        }
        return self();
    }

    /** Whether to reconnect after a connection ends for a transient reason (default true). */
    public B reconnect(boolean reconnect) {
        this.reconnect = reconnect;
        return self();
    }

    /** Reconnect delays: uniform between {@code min} and a cap that doubles from min up to {@code max}. */
    public B backoff(Duration min, Duration max) {
        this.backoffMin = min;
        this.backoffMax = max;
        return self();
    }

    /** How long a system request may wait for its answer (default 30 s). */
    public B requestTimeout(Duration timeout) {
        this.requestTimeout = timeout;
        return self();
    }

    /** How long opening a connection may take (default 10 s). */
    public B connectTimeout(Duration timeout) {
        this.connectTimeout = timeout;
        return self();
    }

    /**
     * How long a send's result waits for an {@code error} envelope where the broker's answer cannot say why it
     * refused (SPEC §10.2): after every PUBACK on MQTT 3.1.1.
     * Zero turns it off. The default is the transport's.
     */
    public B refusalWindow(Duration window) {
        this.refusalWindow = window;
        return self();
    }

    protected RelayKeyPair key() {
        return key;
    }

    protected String session() {
        return session;
    }

    protected Duration requestTimeout() {
        return requestTimeout;
    }

    protected Duration connectTimeout() {
        return connectTimeout;
    }

    /** Checks what every client needs; {@code defaultRefusalWindow} applies unless one was set. */
    protected void validate(Duration defaultRefusalWindow) {
        Objects.requireNonNull(key, "key or keyFile");
        ClientSupport.requireValidSessionSuffix(key.keyId(), session);
        new Backoff(backoffMin, backoffMax, () -> 0); // validates the bounds now rather than at the first reconnect
        if (refusalWindow == null) {
            refusalWindow = defaultRefusalWindow;
        }
    }
}
