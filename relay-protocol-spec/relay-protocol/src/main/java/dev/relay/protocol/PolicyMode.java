package dev.relay.protocol;

import java.util.Locale;

/** Inbox policy modes (SPEC §5). */
public enum PolicyMode {
    OPEN, CLOSED, ALLOWLIST, BLOCKLIST;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PolicyMode fromWire(String name) throws RelayException {
        for (PolicyMode mode : values()) {
            if (mode.wireName().equals(name)) {
                return mode;
            }
        }
        throw new RelayException(ErrorCode.MALFORMED, "policy mode must be open, closed, allowlist or blocklist");
    }
}
