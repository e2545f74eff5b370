package dev.relay.protocol;

/**
 * How an MQTT client id relates to the identity (SPEC §2.6): the key id itself, or the key id, a dot and a suffix of
 * 1..20 chars {@code [A-Za-z0-9_-]} for a second session of the same identity.
 */
public final class ClientIds {
    public static final int MAX_SUFFIX = 20;

    private ClientIds() {
    }

    /** Checks a client id against the authenticated key; an empty client id is assigned the key id. */
    public static String resolve(String clientId, KeyId keyId) throws RelayException {
        String key = keyId.toString();
        if (clientId == null || clientId.isEmpty()) {
            return key;
        }
        if (clientId.equals(key)) {
            return clientId;
        }
        if (clientId.startsWith(key) && clientId.length() > key.length() + 1 && clientId.charAt(key.length()) == '.') {
            String suffix = clientId.substring(key.length() + 1);
            if (suffix.length() <= MAX_SUFFIX && suffix.chars().allMatch(ClientIds::isSuffixChar)) {
                return clientId;
            }
        }
        throw new RelayException(ErrorCode.BAD_CLIENT_ID,
                "client id must be the key id or <key id>.<suffix of 1..20 chars A-Z a-z 0-9 _ ->");
    }

    private static boolean isSuffixChar(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }
}
