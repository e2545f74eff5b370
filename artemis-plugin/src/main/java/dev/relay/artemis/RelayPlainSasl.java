package dev.relay.artemis;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.RelayException;
import java.nio.charset.StandardCharsets;
import org.apache.activemq.artemis.core.security.SecurityStore;
import org.apache.activemq.artemis.protocol.amqp.sasl.PlainSASL;
import org.apache.activemq.artemis.protocol.amqp.sasl.PlainSASLResult;
import org.apache.activemq.artemis.protocol.amqp.sasl.SASLResult;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * SASL {@code PLAIN} ({@code [authzid] NUL authcid NUL passwd}, RFC 4616) that refuses an authzid which is neither
 * empty nor the authcid (SPEC §2.1): a connection acts as the key it proves and nobody else. Artemis' PLAIN ignores
 * the authzid. The refusal comes before the token is looked at, so it does not use up the token's nonce; the client
 * gets the SASL outcome {@code auth} (SASL carries no text) and the operator one {@link RefusalLog} line.
 */
final class RelayPlainSasl extends PlainSASL {
    private final RemotingConnection connection;
    private SASLResult refused;

    /** The running relay, for its metrics and refusal log; null when the broker runs without it. */
    private final RelayRuntime runtime;

    RelayPlainSasl(SecurityStore securityStore, String securityDomain, RemotingConnection connection,
                   RelayRuntime runtime) {
        super(securityStore, securityDomain, connection);
        this.connection = connection;
        this.runtime = runtime;
    }

    @Override
    public byte[] processSASL(byte[] response) {
        String[] identities = identities(response);
        if (identities == null || identities[0].isEmpty() || identities[0].equals(identities[1])) {
            return super.processSASL(response);
        }
        refused = new PlainSASLResult(false, identities[1], null);
        if (runtime != null) {
            RelayException refusal = new RelayException(ErrorCode.BAD_CREDENTIALS,
                    "the SASL PLAIN authzid names another identity; it must be empty or the key id (SPEC §2.1)");
            runtime.metrics.connectRefused(refusal.code());
            runtime.refusalLog.connectRefused(RelaySecurityManager.facts(connection), identities[1], refusal);
        }
        return null;
    }

    @Override
    public SASLResult result() {
        return refused != null ? refused : super.result();
    }

    /**
     * The authzid and authcid of a PLAIN response, or null when it does not have exactly two NULs (Artemis' PLAIN then
     * decides, and fails anything but {@code authcid NUL passwd}).
     */
    private static String[] identities(byte[] response) {
        if (response == null) {
            return null;
        }
        int first = indexOfNul(response, 0);
        int second = first < 0 ? -1 : indexOfNul(response, first + 1);
        if (second < 0 || indexOfNul(response, second + 1) >= 0) {
            return null;
        }
        return new String[] {new String(response, 0, first, StandardCharsets.UTF_8),
                new String(response, first + 1, second - first - 1, StandardCharsets.UTF_8)};
    }

    private static int indexOfNul(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
