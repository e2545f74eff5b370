package dev.relay.store;

/**
 * Presence of one identity.
 *
 * @param online      true while the identity has at least one session
 * @param lastSeenMs  time of the last connect or disconnect (epoch ms)
 * @param firstSeenMs time of the first connect ever (epoch ms)
 */
public record Presence(boolean online, long lastSeenMs, long firstSeenMs) {}
