package dev.relay.device;

import dev.relay.client.RelayClientException;
import dev.relay.protocol.ErrorMapping;

/**
 * Paho's failures as {@link RelayClientException} codes, read with {@link ErrorMapping}. MQTT carries no relay code on
 * a refused CONNECT here (3.1.1 has no reason string, and Paho 5 does not surface the CONNACK's), so the code is the
 * one SPEC §13.2 gives the reason code and the text says where the precise one is.
 */
final class PahoErrors {
    private PahoErrors() {
    }

    /** A CONNACK refusal or a failure to reach the broker, from Paho's reason code (v3 and v5 share the numbers). */
    static RelayClientException connectRefused(int reasonCode, Throwable cause) {
        String code = ErrorMapping.codeForConnackReason(reasonCode);
        if (code == null) {
            return new RelayClientException(RelayClientException.CONNECT_FAILED, "could not connect: "
                    + (cause == null ? "reason code " + reasonCode : describe(cause)), cause);
        }
        String text = switch (code) {
            case "bad_credentials" -> "the broker refused the connect token (bad key, wrong realm, clock skew or a "
                    + "replay: the relay's log names the exact code)";
            case "bad_client_id" -> "the broker refused the client id";
            case "forbidden" -> "the broker refused the connection (not authorized)";
            default -> "the broker is unavailable";
        };
        return new RelayClientException(code, text + " (CONNACK 0x" + Integer.toHexString(reasonCode) + ")", cause);
    }

    /** A connection that ended (server DISCONNECT, or the socket broke). */
    static RelayClientException disconnected(int reasonCode, String reasonString, Throwable cause) {
        if (ErrorMapping.codeOf(reasonString) != null) {
            return RelayClientException.of(ErrorMapping.fromReason(reasonString, RelayClientException.CONNECTION_LOST));
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
