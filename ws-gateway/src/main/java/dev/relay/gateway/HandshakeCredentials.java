package dev.relay.gateway;

/** A ready token from the handshake (SPEC §13.2 (b)): already checked for syntax by {@link HandshakeGuard}. */
record HandshakeCredentials(String keyId, String token, String session, boolean transientSession) {
}
