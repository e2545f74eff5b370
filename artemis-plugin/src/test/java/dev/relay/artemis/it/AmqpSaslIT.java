package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * AMQP SASL PLAIN's authzid (SPEC §2.1): empty or the key id, nothing else. A refused authzid gets the SASL outcome
 * {@code auth}, one refusal line in the broker log, and leaves the token unused. Its own broker, so that the refusal
 * log's per-minute budget is this class's alone.
 */
class AmqpSaslIT {
    private static RelayArtemis broker;
    private final ListAppender<ILoggingEvent> refusalLines = new ListAppender<>();

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @BeforeEach
    void watchRefusalLog() {
        refusalLines.start();
        refusalLog().addAppender(refusalLines);
    }

    @AfterEach
    void stopWatching() {
        refusalLog().detachAppender(refusalLines);
    }

    private static Logger refusalLog() {
        return (Logger) LoggerFactory.getLogger("dev.relay.artemis.refusals");
    }

    @Test
    void anAuthzidNamingSomeoneElseIsRefusedAndLeavesTheTokenUnused() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair victim = RelayKeyPair.generate();
        String keyId = alice.keyId().toString();
        String token = ArtemisBinding.token(broker, alice);
        for (String authzid : List.of(victim.keyId().toString(), "admin", keyId + " ")) {
            assertThat(SaslPlainExchange.outcome(broker, authzid, keyId, token)).as("authzid '%s'", authzid)
                    .isEqualTo(SaslPlainExchange.AUTH);
        }
        assertThat(refusalLines.list).as("one refusal line per attempt").hasSize(3)
                .allSatisfy(line -> assertThat(line.getFormattedMessage()).contains(keyId)
                        .contains("bad_credentials: the SASL PLAIN authzid names another identity"));

        // The token was never checked: it still connects once, with the key id as authzid, and then never again.
        assertThat(SaslPlainExchange.outcome(broker, keyId, keyId, token)).isEqualTo(SaslPlainExchange.OK);
        assertThat(SaslPlainExchange.outcome(broker, "", keyId, token)).as("the same token again")
                .isEqualTo(SaslPlainExchange.AUTH);
        assertThat(refusalLines.list.get(3).getFormattedMessage()).contains("replay: ");
    }

    @Test
    void anEmptyAuthzidOrTheKeyIdConnectsAndTheConnectionWorks() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        String keyId = alice.keyId().toString();
        assertThat(SaslPlainExchange.outcome(broker, "", keyId, ArtemisBinding.token(broker, alice)))
                .isEqualTo(SaslPlainExchange.OK);
        assertThat(SaslPlainExchange.outcome(broker, keyId, keyId, ArtemisBinding.token(broker, alice)))
                .isEqualTo(SaslPlainExchange.OK);
        // ProtonJ2 sends an empty authzid; the whole exchange works through the relay's PLAIN.
        RelayKeyPair bob = RelayKeyPair.generate();
        try (ArtemisClient a = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(alice);
             ArtemisClient b = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(bob)) {
            b.subscribeOwnInbox();
            Envelope hello = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("hello").sign(alice);
            assertThat(a.publishToInbox(bob.keyId().toString(), hello.toJson()).refused()).isFalse();
            assertThat(b.receive(java.time.Duration.ofSeconds(10))).isEqualTo(hello.toJson());
        }
        assertThat(refusalLines.list).as("no refusal").isEmpty();
    }
}
