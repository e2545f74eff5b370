package dev.relay.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which key may sign {@code response} and {@code error} envelopes (SPEC §3.8 step 3): a pinned relay key, or else the
 * one the relay announces in its first {@code relay.info} response (trust on first use, §8.5). The learned key is kept
 * for the agent's life; a relay that later signs with another key is refused (and logged), never silently re-learned.
 */
public final class RelayKeyTrust {
    private static final Logger LOG = LoggerFactory.getLogger(RelayKeyTrust.class);

    private final AtomicReference<KeyId> relayKey;

    public RelayKeyTrust(KeyId pinned) {
        this.relayKey = new AtomicReference<>(pinned);
    }

    /** The trusted relay key, or null while none is pinned or learned. */
    public KeyId relayKey() {
        return relayKey.get();
    }

    /**
     * Whether a signature-verified relay-kind envelope comes from the trusted relay. While no key is known, only a
     * {@code response} to a pending {@code relay.info} request qualifies, and only if its {@code relay_key} names its
     * own signer; that key is then learned.
     */
    public boolean isFromRelay(Envelope envelope, boolean answersRelayInfo) {
        KeyId known = relayKey.get();
        if (known == null && answersRelayInfo && envelope.kind() == Kind.RESPONSE) {
            String announced = announcedRelayKey(envelope);
            if (envelope.from().equals(announced) && relayKey.compareAndSet(null, parse(announced))) {
                LOG.info("Trusting relay key {} on first use (from relay.info); pin it with relayKey(...) to be sure",
                        announced);
            }
            known = relayKey.get();
        }
        if (known != null && !known.toString().equals(envelope.from())) {
            LOG.warn("{} envelope signed by {}, not by the trusted relay key {}", envelope.kind().wireName(),
                    envelope.from(), known);
            return false;
        }
        return known != null;
    }

    private static String announcedRelayKey(Envelope response) {
        try {
            ObjectNode body = Json.readObject(response.body(), "relay.info response");
            return body.path("result").path("relay_key").asText(null);
        } catch (RelayException e) {
            return null;
        }
    }

    private static KeyId parse(String keyId) {
        try {
            return KeyId.parse(keyId);
        } catch (RelayException e) {
            throw new IllegalStateException("the signer's key id verified a signature, so it parses", e);
        }
    }
}
