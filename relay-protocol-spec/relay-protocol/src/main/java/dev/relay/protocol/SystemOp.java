package dev.relay.protocol;

/** System operations of SPEC §8.5, requested with a {@code request} envelope to the system address. */
public enum SystemOp {
    RELAY_INFO("relay.info"),
    POLICY_GET("policy.get"),
    POLICY_SET("policy.set"),
    POLICY_ADD("policy.add"),
    POLICY_REMOVE("policy.remove"),
    PROFILE_SET("profile.set"),
    PROFILE_GET("profile.get"),
    DISCOVER("discover"),
    PRESENCE_GET("presence.get"),
    THREAD_HISTORY("thread.history");

    private final String wireName;

    SystemOp(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static SystemOp fromWire(String name) throws RelayException {
        for (SystemOp op : values()) {
            if (op.wireName.equals(name)) {
                return op;
            }
        }
        throw new RelayException(ErrorCode.UNKNOWN_OP, "unknown op '" + Envelope.shorten(name) + "'");
    }
}
