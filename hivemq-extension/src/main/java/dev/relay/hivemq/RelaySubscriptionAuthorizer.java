package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import dev.relay.core.RelayEngine;
import dev.relay.core.SubscribeOutcome;
import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.KeyId;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * Inbox isolation (SPEC §4.4): an identity subscribes to its own inbox only; every other filter that could reach an
 * inbox is refused in the SUBACK (the client stays connected). A granted own-inbox subscription also hands over the
 * messages parked while the identity had no session.
 */
final class RelaySubscriptionAuthorizer implements SubscriptionAuthorizer {
    private final RelayEngine engine;
    private final ClientIdentities identities;
    private final InboxDelivery delivery;
    private final ExecutorService executor;
    private final RelayMetrics metrics;

    RelaySubscriptionAuthorizer(RelayEngine engine, ClientIdentities identities, InboxDelivery delivery,
                                ExecutorService executor, RelayMetrics metrics) {
        this.engine = engine;
        this.identities = identities;
        this.delivery = delivery;
        this.executor = executor;
        this.metrics = metrics;
    }

    @Override
    public void authorizeSubscribe(SubscriptionAuthorizerInput input, SubscriptionAuthorizerOutput output) {
        String clientId = input.getClientInformation().getClientId();
        Optional<KeyId> identity = identities.of(input);
        if (identity.isEmpty()) {
            output.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "forbidden: client is not authenticated by the relay");
            return;
        }
        Address filter = Addressing.parseMqttFilter(input.getSubscription().getTopicFilter());
        SubscribeOutcome outcome = engine.onSubscribe(identity.get(), filter);
        if (outcome instanceof SubscribeOutcome.Reject reject) {
            metrics.subscribeRefused();
            // 0x87 for every refusal: Paho v5 1.2.5 cannot read 0xA2 and drops the connection (SPEC §10.4).
            output.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, reject.error().reasonString());
            return;
        }
        output.authorizeSuccessfully();
        if (filter instanceof Address.Inbox && identities.hasPersistentSession(input)) {
            executor.submit(() -> delivery.drainParked(identity.get(), clientId));
        }
    }
}
