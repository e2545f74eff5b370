package dev.relay.gateway;

/**
 * Reading the relay's answers off MQTT 5: reason strings are {@code "<code>: <text>"} (SPEC §10.2); where a broker
 * gives only a reason code (Artemis' CONNACK, SPEC §10.9; a PUBACK from an older relay) the code is derived as SPEC
 * §13.2 and §13.4 say.
 */
final class RelayReasons {
    private RelayReasons() {
    }

    /** {code, text} from a reason string; a string without a code prefix is {@code internal}. */
    static String[] split(String reasonString) {
        int colon = reasonString.indexOf(": ");
        if (colon > 0 && reasonString.substring(0, colon).matches("[a-z_]{1,40}")) {
            return new String[] {reasonString.substring(0, colon), reasonString.substring(colon + 2)};
        }
        if (reasonString.matches("[a-z_]{1,40}")) {
            return new String[] {reasonString, ""};
        }
        return new String[] {"internal", reasonString};
    }

    static String codeForPubAck(int reasonCode) {
        return switch (reasonCode) {
            case 0x87 -> "forbidden";
            case 0x97 -> "rate_limited";
            case 0x99 -> "malformed";
            default -> "internal";
        };
    }

    static String codeForConnAck(int reasonCode) {
        return switch (reasonCode) {
            case 0x85 -> "bad_client_id";
            case 0x87 -> "forbidden";
            default -> "bad_credentials";
        };
    }
}
