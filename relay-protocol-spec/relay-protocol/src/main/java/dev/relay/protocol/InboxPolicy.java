package dev.relay.protocol;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * An identity's inbox policy and the decision rule of SPEC §5.4. Immutable.
 *
 * @param mode  how the lists are used
 * @param allow key ids admitted in {@code allowlist} mode
 * @param block key ids refused in {@code blocklist} mode
 */
public record InboxPolicy(PolicyMode mode, Set<String> allow, Set<String> block) {
    public static final int MAX_LIST_SIZE = 1000;

    public InboxPolicy {
        // Set.copyOf drops duplicates and returns an already immutable set as is: no copy per policy lookup.
        allow = Set.copyOf(allow);
        block = Set.copyOf(block);
    }

    public static InboxPolicy of(PolicyMode mode) {
        return new InboxPolicy(mode, Set.of(), Set.of());
    }

    /** The default for new identities unless the operator chose another: a blocklist with nobody on it. */
    public static InboxPolicy defaultPolicy() {
        return of(PolicyMode.BLOCKLIST);
    }

    /** Validates a list of key ids for a policy (syntax, size). */
    public static Set<String> validList(Collection<String> keys, String name) throws RelayException {
        if (keys.size() > MAX_LIST_SIZE) {
            throw new RelayException(ErrorCode.TOO_LARGE, name + " list exceeds " + MAX_LIST_SIZE + " keys");
        }
        Set<String> out = new LinkedHashSet<>();
        for (String key : keys) {
            KeyId.requireSyntax(key, name + " entry");
            out.add(key);
        }
        return out;
    }

    /**
     * The decision for {@code sender} writing into the owner's inbox.
     *
     * @param senderIsOwner    sender and recipient are the same key
     * @param senderIsRelay    the envelope comes from the relay's own key (responses, errors)
     * @param replyToOwnerMessage the envelope answers a live message that the owner sent to this sender
     */
    public boolean admits(String sender, boolean senderIsOwner, boolean senderIsRelay, boolean replyToOwnerMessage) {
        if (senderIsOwner || senderIsRelay || replyToOwnerMessage) {
            return true;
        }
        return switch (mode) {
            case OPEN -> true;
            case CLOSED -> false;
            case ALLOWLIST -> allow.contains(sender);
            case BLOCKLIST -> !block.contains(sender);
        };
    }
}
