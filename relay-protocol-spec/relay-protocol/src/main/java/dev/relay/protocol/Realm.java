package dev.relay.protocol;

import java.util.regex.Pattern;

/** A realm name: the audience of connect tokens (SPEC §2), 1..64 chars of {@code [A-Za-z0-9._-]}. */
public final class Realm {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Realm() {
    }

    public static String requireValid(String realm) throws RelayException {
        if (realm == null || !NAME.matcher(realm).matches()) {
            throw new RelayException(ErrorCode.MALFORMED, "realm name must be 1..64 chars of A-Z a-z 0-9 . _ -");
        }
        return realm;
    }
}
