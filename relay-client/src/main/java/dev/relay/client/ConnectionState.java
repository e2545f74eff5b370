package dev.relay.client;

/** Where a client is in its life, whatever its transport; see {@link ClientBuilder#onStateChange}. */
public enum ConnectionState {
    /** Built, neither {@code connect()} nor {@code start()} called yet. */
    NEW,
    /** The first connection is being opened ({@code connect()}). */
    CONNECTING,
    /** Connected, authenticated and reading the inbox. */
    CONNECTED,
    /** The connection is gone (or {@code start()} has not reached the relay yet); a new one follows a backoff. */
    RECONNECTING,
    /** Closed by the application, by a failed first {@code connect()}, or for good after a refusal that needs a change
     * (see {@link ClientCore#closeCause()}). Terminal. */
    CLOSED
}
