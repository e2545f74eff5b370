package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorCode;
import org.junit.jupiter.api.Test;

/** SPEC §4: an identity reads its own inbox only. */
class SubscribeDecisionTest extends EngineTestSupport {

    private SubscribeOutcome subscribe(RelayEngine on, String filter) {
        return on.onSubscribe(alice.keyId(), Addressing.parseMqttFilter(filter));
    }

    private SubscribeOutcome subscribe(String filter) {
        return subscribe(engine, filter);
    }

    private SubscribeOutcome.Reject refused(SubscribeOutcome outcome) {
        assertThat(outcome).isInstanceOf(SubscribeOutcome.Reject.class);
        SubscribeOutcome.Reject reject = (SubscribeOutcome.Reject) outcome;
        assertThat(reject.error().code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(reject.error().reasonString()).startsWith("forbidden: ");
        return reject;
    }

    @Test
    void ownInboxIsAllowed() {
        assertThat(subscribe(Addressing.mqttInbox(id(alice)))).isInstanceOf(SubscribeOutcome.Allow.class);
        assertThat(engine.onSubscribe(alice.keyId(), Addressing.parseArtemisAddress(Addressing.artemisInbox(id(alice)))))
                .as("Artemis form").isInstanceOf(SubscribeOutcome.Allow.class);
    }

    @Test
    void sharedSubscriptionToOwnInboxIsAllowed() {
        assertThat(subscribe("$share/g/" + Addressing.mqttInbox(id(alice)))).isInstanceOf(SubscribeOutcome.Allow.class);
        assertThat(subscribe("$share/workers/" + Addressing.mqttInbox(id(alice))))
                .isInstanceOf(SubscribeOutcome.Allow.class);
    }

    @Test
    void anotherInboxIsForbidden() {
        SubscribeOutcome.Reject reject = refused(subscribe(Addressing.mqttInbox(id(bob))));
        assertThat(reject.error().getMessage()).contains("only the owner").contains(id(bob));
        assertThat(reject.error().code()).isEqualTo(ErrorCode.FORBIDDEN);

        SubscribeOutcome.Reject shared = refused(subscribe("$share/g/" + Addressing.mqttInbox(id(bob))));
        assertThat(shared.error().getMessage()).contains(id(bob));
        refused(engine.onSubscribe(alice.keyId(), Addressing.parseArtemisAddress(Addressing.artemisInbox(id(bob)))));
    }

    @Test
    void systemAddressIsForbidden() {
        SubscribeOutcome.Reject reject = refused(subscribe(Addressing.MQTT_SYSTEM_TOPIC));
        assertThat(reject.error().getMessage()).contains("system address");
        refused(subscribe("$share/g/relay/v1/sys"));
    }

    @Test
    void wildcardsThatReachTheNamespaceAreForbidden() {
        for (String filter : new String[] {"#", "relay/v1/inbox/+", "+/+/+/+", "relay/#", "+/v1/sys", "relay/+/inbox/x",
                "$share/g/relay/v1/inbox/+", "relay/v1/inbox/#"}) {
            SubscribeOutcome.Reject reject = refused(subscribe(filter));
            assertThat(reject.error().getMessage()).as(filter).contains("wildcard");
        }
    }

    @Test
    void reservedNamesAreForbidden() {
        for (String filter : new String[] {"relay/v1/other", "relay/v1/inbox/not-a-key", "relay/v1/inbox/" + id(alice) + "/x"}) {
            SubscribeOutcome.Reject reject = refused(subscribe(filter));
            assertThat(reject.error().getMessage()).as(filter).contains(filter.substring(0, 10));
        }
        refused(subscribe(""));
    }

    @Test
    void outsideTopicIsForbiddenByDefault() {
        SubscribeOutcome.Reject reject = refused(subscribe("home/kitchen/fan"));
        assertThat(reject.error().getMessage()).contains("home/kitchen/fan").contains("outside");
        SubscribeOutcome.Reject wildcard = refused(subscribe("home/#"));
        assertThat(wildcard.error().getMessage()).contains("outside");
    }

    @Test
    void outsideTopicIsAllowedWhenConfigured() {
        RelayEngine open = engineWith(config().withAllowOutsideNamespace(true));
        assertThat(subscribe(open, "home/kitchen/fan")).isInstanceOf(SubscribeOutcome.Allow.class);
        assertThat(subscribe(open, "home/#")).isInstanceOf(SubscribeOutcome.Allow.class);
        assertThat(subscribe(open, "$share/g/home/+")).isInstanceOf(SubscribeOutcome.Allow.class);
        refused(subscribe(open, "#"));
        refused(subscribe(open, Addressing.mqttInbox(id(bob))));
        refused(subscribe(open, Addressing.MQTT_SYSTEM_TOPIC));
    }

    @Test
    void subscribingChangesNoState() {
        Address filter = Addressing.parseMqttFilter(Addressing.mqttInbox(id(alice)));
        engine.onSubscribe(alice.keyId(), filter);
        engine.onSubscribe(alice.keyId(), Addressing.parseMqttFilter("#"));
        assertThat(audit()).isEmpty();
        assertThat(store.presence(id(alice))).isEmpty();
    }
}
