package dev.relay.gateway.agent;

/** Where a {@link RelayAgent} is in its life; see {@link RelayAgent.Builder#onStateChange}. */
public enum AgentState {
    /** Built, {@link RelayAgent#connect()} not called yet. */
    NEW,
    /** The first connection is being opened. */
    CONNECTING,
    /** Authenticated: a {@code welcome} arrived and frames flow. */
    CONNECTED,
    /** The connection ended; a new one is being attempted after a backoff. */
    RECONNECTING,
    /** Closed by the user, or ended for good (see {@link RelayAgent#closeCause()}). Terminal. */
    CLOSED
}
