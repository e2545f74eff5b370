package dev.relay.gateway;

import dev.relay.protocol.ConnectToken;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;

/**
 * A client's credentials, either way of SPEC §13.2: a ready token from the handshake (already checked for syntax by
 * {@link HandshakeGuard}), or the {@code auth} frame that answers the connection's challenge.
 */
record HandshakeCredentials(String keyId, String token, String session, boolean transientSession) {
    /**
     * The credentials of an {@code auth} frame, checked before the broker is asked (SPEC §13.2 (a)): a key id, a token
     * that parses and answers {@code challengeNonce}, a valid session suffix.
     *
     * @throws IllegalArgumentException with the reason string ({@code bad_credentials: …}, {@code bad_client_id: …})
     *                                  of the 4401 close
     */
    static HandshakeCredentials ofAuthFrame(ClientFrame frame, String challengeNonce) {
        KeyId key;
        ConnectToken token;
        try {
            if (frame.keyId() == null || frame.token() == null) {
                throw new RelayException(ErrorCode.BAD_CREDENTIALS, "auth needs key_id and token");
            }
            key = KeyId.parse(frame.keyId());
            token = ConnectToken.parse(frame.token());
        } catch (RelayException e) {
            throw new IllegalArgumentException(ErrorCode.BAD_CREDENTIALS.reasonString(e.getMessage()));
        }
        if (!token.nonce().equals(challengeNonce)) {
            throw new IllegalArgumentException(ErrorCode.BAD_CREDENTIALS.reasonString(
                    "the token's nonce is not this connection's challenge nonce"));
        }
        String session = frame.session() == null ? HandshakeGuard.DEFAULT_SESSION : frame.session();
        if (!HandshakeGuard.validSession(session)) {
            throw new IllegalArgumentException(ErrorCode.BAD_CLIENT_ID.reasonString(
                    "session must be 1..20 characters of [A-Za-z0-9_-]"));
        }
        return new HandshakeCredentials(key.toString(), frame.token(), session, frame.transientSession());
    }
}
