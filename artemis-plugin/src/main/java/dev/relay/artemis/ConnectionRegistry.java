package dev.relay.artemis;

import dev.relay.protocol.KeyId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.Subject;

/**
 * The identity each broker connection was admitted as. Artemis authenticates a connection more than once (each new
 * session, and again when its login cache entry expires); a connect token is single-use, so a repeat check on the
 * <em>same</em> connection with the same credentials is answered from here, and every other use of a token goes to
 * the engine, which refuses it as a replay.
 *
 * <p>It also knows whether a connection's session ends with it (a <em>passing</em> session: MQTT clean session, MQTT 5
 * session expiry 0), which decides what it reads of its inbox (SPEC §13.3, {@link SessionCopies}).
 */
final class ConnectionRegistry {

    /**
     * One admitted connection. {@code credentials} is a digest: tokens are not kept in memory longer than needed.
     * {@code tag} names this connection on the copies of envelopes meant for it alone (unique within the broker's run).
     */
    record Admission(KeyId identity, byte[] credentials, Subject subject, boolean announced, boolean passing,
                     String tag) {
    }

    private final Map<Object, Admission> admitted = new ConcurrentHashMap<>();
    /** Connections whose CONNECT asked for a passing session, until the relay admits (or refuses) them. */
    private final Set<Object> passingConnects = ConcurrentHashMap.newKeySet();
    private final Map<KeyId, Set<Admission>> passingByIdentity = new ConcurrentHashMap<>();
    /** MQTT 5 connections whose CONNECT set Request Problem Information to 0: no reason strings on their acks. */
    private final Set<Object> withoutProblemInformation = ConcurrentHashMap.newKeySet();
    private final AtomicLong tags = new AtomicLong();

    /** Called at an MQTT CONNECT whose session ends with the connection, before the relay authenticates it. */
    void expectPassing(Object connectionId) {
        passingConnects.add(connectionId);
    }

    /**
     * Called at an MQTT 5 CONNECT that asks for no reason strings (MQTT 5 §3.1.2.11.7: the server MUST NOT send them
     * on anything but PUBLISH, CONNACK and DISCONNECT then). Artemis ignores the property; the acks the relay writes
     * itself honour it.
     */
    void expectNoProblemInformation(Object connectionId) {
        withoutProblemInformation.add(connectionId);
    }

    /** Whether the relay may put a reason string on this connection's PUBACK, PUBREC and SUBACK. */
    boolean wantsReasonStrings(Object connectionId) {
        return !withoutProblemInformation.contains(connectionId);
    }

    void admit(Object connectionId, KeyId identity, String user, String password, Subject subject) {
        boolean passing = passingConnects.remove(connectionId);
        Admission admission = new Admission(identity, digest(user, password), subject, false, passing,
                "c" + tags.incrementAndGet());
        Admission replaced = admitted.put(connectionId, admission);
        forgetPassing(replaced);
        if (passing) {
            passingByIdentity.computeIfAbsent(identity, id -> ConcurrentHashMap.newKeySet()).add(admission);
        }
    }

    /** What the relay admitted this connection as, else null. */
    Admission admission(Object connectionId) {
        return admitted.get(connectionId);
    }

    List<Admission> passingSessionsOf(KeyId identity) {
        Set<Admission> passing = passingByIdentity.get(identity);
        return passing == null ? List.of() : List.copyOf(passing);
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
            return new Admission(admission.identity(), admission.credentials(), admission.subject(), true,
                    admission.passing(), admission.tag());
        });
        return first[0];
    }

    /** Forgets a closed connection; returns its admission if it had one. */
    Admission remove(Object connectionId) {
        passingConnects.remove(connectionId);
        withoutProblemInformation.remove(connectionId);
        Admission admission = admitted.remove(connectionId);
        forgetPassing(admission);
        return admission;
    }

    private void forgetPassing(Admission admission) {
        if (admission == null || !admission.passing()) {
            return;
        }
        passingByIdentity.computeIfPresent(admission.identity(), (id, set) -> {
            set.removeIf(a -> a.tag().equals(admission.tag()));
            return set.isEmpty() ? null : set;
        });
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
