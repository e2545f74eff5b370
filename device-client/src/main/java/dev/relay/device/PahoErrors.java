package dev.relay.device;

import dev.relay.client.RelayClientException;

/**
 * Paho's failures as {@link RelayClientException} codes. MQTT carries no relay code on a refused CONNECT (3.1.1 has no
 * reason string, and Paho 5 does not surface the CONNACK's), so the code is the closest SPEC §10.3/§10.4 code for the
 * return code and the text says where the precise one is.
 */
final class PahoErrors {
    private PahoErrors() {
    }

    /** A CONNACK refusal or a failure to reach the broker, from Paho's reason code (v3 and v5 share the numbers). */
    static RelayClientException connectRefused(int reasonCode, Throwable cause) {
        String code;
        String text;
        switch (reasonCode) {
            case 4, 0x86, 0x8C -> {
                code = "bad_credentials";
                text = "the broker refused the connect token (bad key, wrong realm, clock skew or a replay: the "
                        + "relay's log names the exact code)";
            }
            case 2, 0x85 -> {
                code = "bad_client_id";
                text = "the broker refused the client id";
            }
            case 5, 0x87 -> {
                code = "forbidden";
                text = "the broker refused the connection (not authorized)";
            }
            case 3, 0x80, 0x88, 0x89 -> {
                code = "internal";
                text = "the broker is unavailable (reason code " + reasonCode + ")";
            }
            default -> {
                code = RelayClientException.CONNECT_FAILED;
                text = "could not connect: " + (cause == null ? "reason code " + reasonCode : describe(cause));
            }
        }
        return new RelayClientException(code, text, cause);
    }

    /** A connection that ended (server DISCONNECT, or the socket broke). */
    static RelayClientException disconnected(int reasonCode, String reasonString, Throwable cause) {
        if (reasonString != null && RelayClientException.codeOf(reasonString) != null) {
            return RelayClientException.ofReason(reasonString, RelayClientException.CONNECTION_LOST, reasonString);
        }
        String text = "connection lost" + (reasonCode > 0 ? " (DISCONNECT reason code 0x"
                + Integer.toHexString(reasonCode) + ")" : "") + (cause == null ? "" : ": " + describe(cause));
        return new RelayClientException(RelayClientException.CONNECTION_LOST, text, cause);
    }

    /** An operation that failed because the connection did. */
    static RelayClientException lost(String operation, Throwable cause) {
        return new RelayClientException(RelayClientException.CONNECTION_LOST, operation + " failed: "
                + describe(cause), cause);
    }

    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String own = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return root == failure || root.getMessage() == null ? own : own + " (" + root.getMessage() + ")";
    }
}
