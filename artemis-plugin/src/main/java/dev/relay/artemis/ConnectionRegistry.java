package dev.relay.artemis;

import dev.relay.protocol.KeyId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.security.auth.Subject;

/**
 * The identity each broker connection was admitted as. Artemis authenticates a connection more than once (each new
 * session, and again when its login cache entry expires); a connect token is single-use, so a repeat check on the
 * <em>same</em> connection with the same credentials is answered from here, and every other use of a token goes to
 * the engine, which refuses it as a replay.
 */
final class ConnectionRegistry {

    /** One admitted connection. {@code credentials} is a digest: tokens are not kept in memory longer than needed. */
    record Admission(KeyId identity, byte[] credentials, Subject subject, boolean announced) {
    }

    private final Map<Object, Admission> admitted = new ConcurrentHashMap<>();

    void admit(Object connectionId, KeyId identity, String user, String password, Subject subject) {
        admitted.put(connectionId, new Admission(identity, digest(user, password), subject, false));
    }

    /** The subject of an earlier admission of this connection with these credentials, else null. */
    Subject readmit(Object connectionId, String user, String password) {
        Admission admission = admitted.get(connectionId);
        if (admission == null || !MessageDigest.isEqual(admission.credentials(), digest(user, password))) {
            return null;
        }
        return admission.subject();
    }

    /** The identity this connection was admitted as by the relay, else null (never admitted, or another path). */
    KeyId identityOf(Object connectionId) {
        Admission admission = admitted.get(connectionId);
        return admission == null ? null : admission.identity();
    }

    /** True once per admitted connection: the first session announces it (presence, audit). */
    boolean announce(Object connectionId) {
        boolean[] first = {false};
        admitted.computeIfPresent(connectionId, (id, admission) -> {
            if (admission.announced()) {
                return admission;
            }
            first[0] = true;
            return new Admission(admission.identity(), admission.credentials(), admission.subject(), true);
        });
        return first[0];
    }

    /** Forgets a closed connection; returns its admission if it had one. */
    Admission remove(Object connectionId) {
        return admitted.remove(connectionId);
    }

    int size() {
        return admitted.size();
    }

    private static byte[] digest(String user, String password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(user).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(String.valueOf(password).getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
