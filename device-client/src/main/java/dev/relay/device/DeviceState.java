package dev.relay.device;

/** Where a {@link RelayDevice} is in its life. */
public enum DeviceState {
    /** Built, not started. */
    NEW,
    /** The first connection is being opened. */
    CONNECTING,
    /** Connected and subscribed to its inbox. */
    CONNECTED,
    /** The connection is gone; the device tries again after a jittered backoff. */
    RECONNECTING,
    /** Closed by the application, or the first {@code connect()} failed. */
    CLOSED
}
