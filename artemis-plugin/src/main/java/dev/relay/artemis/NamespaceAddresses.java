package dev.relay.artemis;

import dev.relay.core.KeyIdCache;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.RelayException;
import org.apache.activemq.artemis.api.core.SimpleString;

/**
 * Which addresses may exist in the relay namespace: the inbox of a valid key id (SPEC §1.1, all three rules), the
 * system address and the relay's expiry and dead-letter addresses, each under its plain name. Artemis creates a missing
 * address whenever a client names one (an AMQP link or anonymous-relay transfer, a STOMP frame, an MQTT publish); the
 * plugin refuses every other name before it exists, so that no junk address is left behind and the client reads the
 * relay's reason (SPEC §3.7, §10.5) instead of Artemis' permission text.
 */
final class NamespaceAddresses {
    private final KeyIdCache keyIds;

    NamespaceAddresses(KeyIdCache keyIds) {
        this.keyIds = keyIds;
    }

    /** Why the address {@code name} may not be created: {@code malformed} or {@code forbidden}; null if it may. */
    RelayException refusal(String name) {
        Address address = Addressing.parseArtemisAddress(name);
        if (address instanceof Address.Outside || Inboxes.RELAY_ADDRESSES.contains(SimpleString.of(name))) {
            return null;
        }
        if (address instanceof Address.Inbox inbox && name.equals(Addressing.artemisInbox(inbox.keyId()))) {
            try {
                keyIds.parse(inbox.keyId());
                return null;
            } catch (RelayException noKey) {
                // No one could ever read it (SPEC §3.7): the inbox check of a publish, answered before the publish.
                return new RelayException(ErrorCode.MALFORMED, "no inbox for '" + inbox.keyId() + "': "
                        + noKey.getMessage());
            }
        }
        String why = address instanceof Address.Forbidden forbidden ? forbidden.why()
                : "only the relay makes names in its namespace; use the plain name";
        return new RelayException(ErrorCode.FORBIDDEN, "'" + shorten(name) + "': " + why);
    }

    private static String shorten(String name) {
        return name.length() > 120 ? name.substring(0, 120) + "..." : name;
    }
}
