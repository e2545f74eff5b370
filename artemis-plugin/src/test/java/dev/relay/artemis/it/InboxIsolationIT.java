package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every way a client of each protocol might reach another identity's inbox is refused, and afterwards the victim's
 * inbox still exists with its messages, and the victim still receives (SPEC §4.4).
 */
class InboxIsolationIT {
    private static RelayArtemis broker;
    private RelayKeyPair victim;
    private RelayKeyPair mallory;
    private String victimInbox;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    /** The victim has two messages waiting before every attack. */
    @BeforeEach
    void victimWithWaitingMessages() throws Exception {
        victim = RelayKeyPair.generate();
        mallory = RelayKeyPair.generate();
        victimInbox = "relay.v1.inbox." + victim.keyId();
        RelayKeyPair friend = RelayKeyPair.generate();
        try (ArtemisClient v = connect(ArtemisBinding.Protocol.AMQP, victim);
             ArtemisClient f = connect(ArtemisBinding.Protocol.AMQP, friend)) {
            for (int i = 0; i < 2; i++) {
                f.publishToInbox(victim.keyId().toString(), message(friend, victim, "waiting " + i).toJson());
            }
        }
        assertThat(broker.queued(victim.keyId().toString())).isEqualTo(2);
    }

    private static ArtemisClient connect(ArtemisBinding.Protocol protocol, RelayKeyPair key) throws Exception {
        return new ArtemisBinding(broker, protocol).connect(key);
    }

    private static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from);
    }

    /** After the attack: the inbox is intact and the victim reads both messages. */
    private void victimStillHasEverything() throws Exception {
        assertThat(broker.server().locateQueue(victimInbox)).as("victim's inbox queue").isNotNull();
        assertThat(broker.queued(victim.keyId().toString())).isEqualTo(2);
        try (ArtemisClient v = connect(ArtemisBinding.Protocol.MQTT5, victim)) {
            v.subscribeOwnInbox();
            assertThat(v.receive(Duration.ofSeconds(10))).isNotNull();
            assertThat(v.receive(Duration.ofSeconds(10))).isNotNull();
        }
    }

    /**
     * Artemis' MQTT layer would delete the victim's queue when it refuses the consumer; the relay refuses the
     * SUBSCRIBE before that (SUBACK failure, then Artemis closes the connection).
     */
    @Test
    void mqttSubscriptionsToTheInboxWildcardsOrSharedGroupsAreRefusedAndDeleteNothing() throws Exception {
        String[] filters = {victimInbox, "relay.v1.inbox.#", "relay.v1.#", "#", "$share.g." + victimInbox,
                "relay.v1.inbox.+"};
        for (ArtemisBinding.Protocol protocol : new ArtemisBinding.Protocol[] {
                ArtemisBinding.Protocol.MQTT5, ArtemisBinding.Protocol.MQTT311}) {
            for (String filter : filters) {
                try (ArtemisClient m = connect(protocol, RelayKeyPair.generate())) {
                    assertThat(m.tryConsume(filter)).as("%s %s", protocol, filter).isFalse();
                }
            }
        }
        victimStillHasEverything();
    }

    @Test
    void amqpReceiversOnTheInboxItsQueueOrWildcardsAreRefused() throws Exception {
        try (ArtemisClient m = connect(ArtemisBinding.Protocol.AMQP, mallory)) {
            assertThat(m.tryConsume(victimInbox)).isFalse();
            assertThat(m.tryConsume("anycast://" + victimInbox)).isFalse();
            assertThat(m.tryConsume("multicast://" + victimInbox)).isFalse();
            assertThat(m.tryConsume(victimInbox + "::" + victimInbox)).isFalse();
            assertThat(m.tryConsume(victimInbox + "::copy")).isFalse();
            assertThat(m.tryConsume("relay.v1.inbox.#")).isFalse();
            assertThat(m.tryConsume("relay.v1.sys")).isFalse();
            assertThat(m.tryConsume("relay.v1.expired")).isFalse();
        }
        victimStillHasEverything();
    }

    @Test
    void stompSubscriptionsToTheInboxAreRefused() throws Exception {
        try (ArtemisClient m = connect(ArtemisBinding.Protocol.STOMP, mallory)) {
            assertThat(m.tryConsume(victimInbox)).isFalse();
        }
        try (ArtemisClient m = connect(ArtemisBinding.Protocol.STOMP, mallory)) {
            assertThat(m.tryConsume("relay.v1.inbox.#")).isFalse();
        }
        victimStillHasEverything();
    }

    @Test
    void noClientCreatesOrDeletesQueuesInTheNamespace() throws Exception {
        try (ArtemisClient m = connect(ArtemisBinding.Protocol.AMQP, mallory)) {
            // A second ANYCAST queue on the victim's address would take every other message.
            assertThat(m.sendTo(victimInbox + "::stolen", message(mallory, victim, "x").toJson()).reasonString())
                    .contains("does not exist");
            assertThat(m.tryConsume(victimInbox + "::stolen")).isFalse();
        }
        try (ArtemisClient m = connect(ArtemisBinding.Protocol.STOMP, mallory)) {
            assertThat(m.tryConsume(victimInbox + "::stolen")).isFalse();
        }
        assertThat(broker.server().locateQueue("stolen")).isNull();
        assertThat(broker.server().getPostOffice().getBindingsForAddress(
                org.apache.activemq.artemis.api.core.SimpleString.of(victimInbox)).getBindings()).hasSize(1);
        victimStillHasEverything();
    }
}
