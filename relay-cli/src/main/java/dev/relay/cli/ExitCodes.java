package dev.relay.cli;

import dev.relay.client.RelayClientException;
import java.util.Set;

/** Exit codes of {@code relay}, stable for scripts (docs/operations.md lists them). */
final class ExitCodes {
    /** Done. */
    static final int OK = 0;
    /** The relay refused (the SPEC code is printed), or the operation did not get what it waited for. */
    static final int REFUSED = 1;
    /** Bad command line (picocli's usage error code). */
    static final int USAGE = 2;
    /** The relay could not be reached, or the connection was lost. */
    static final int UNREACHABLE = 3;
    /** A local problem: key file, data folder, port in use. */
    static final int LOCAL = 4;

    private static final Set<String> TRANSPORT_CODES = Set.of(RelayClientException.CONNECT_FAILED,
            RelayClientException.CONNECTION_LOST, RelayClientException.NOT_CONNECTED, RelayClientException.TIMEOUT,
            RelayClientException.CLOSED, RelayClientException.PROTOCOL_ERROR);

    private ExitCodes() {
    }

    static int of(RelayClientException e) {
        return TRANSPORT_CODES.contains(e.code()) ? UNREACHABLE : REFUSED;
    }
}
