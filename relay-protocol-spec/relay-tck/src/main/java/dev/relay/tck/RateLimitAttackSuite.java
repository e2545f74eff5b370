package dev.relay.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.tck.RelayBinding.Client;
import dev.relay.tck.Victims.Victim;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the per-identity send budget (SPEC §9): it must not refill by reconnecting, nor multiply with sessions.
 * {@link #binding()} must reach a relay started with {@link #RATE_LIMITED_RELAY} (a token refills every
 * 60 / {@value #RATE_LIMIT} seconds, so a test that spends the whole burst within a few seconds sees the limit); the
 * other attacks are in {@link AttackSuite}, which needs the default limit. Like there, each test also checks that a
 * bystander pair gets a message through and that a victim's waiting message and policy are untouched.
 */
public abstract class RateLimitAttackSuite extends BindingTestSupport {
    /** Sends per minute (and burst) of the relay under test. */
    public static final int RATE_LIMIT = 6;
    /** The relay properties ({@code relay.properties} or plugin properties) the relay under test runs with. */
    public static final Map<String, String> RATE_LIMITED_RELAY = Map.of(
            "relay.rate.sends-per-minute", Integer.toString(RATE_LIMIT),
            "relay.rate.burst", Integer.toString(RATE_LIMIT));

    @Test
    void reconnectingDoesNotRefillTheSendBudget() throws Exception {
        RelayBinding limited = binding();
        Victim victim = Victims.create(limited, (v, key, friend) -> { });
        RelayKeyPair mallory = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        List<String> sent = new ArrayList<>();
        try (Client b = online(limited, bob)) {
            try (Client m = limited.connect(mallory)) {
                for (int i = 0; i < RATE_LIMIT; i++) {
                    Envelope envelope = message(mallory, bob, "burst " + i);
                    assertAccepted(m.publishToInbox(id(bob), envelope.toJson()));
                    sent.add(envelope.id());
                }
            }
            try (Client m = online(limited, mallory)) {
                assertRefused(m, m.publishToInbox(id(bob), message(mallory, bob, "one more").toJson()),
                        "rate_limited");
                assertThat(m.isConnected()).isTrue();
            }
            Victims.assertReceivedExactly(limited, b, bob, sent);
        }
        Victims.assertUnharmed(limited, victim);
    }

    @Test
    void manySessionsOfOneIdentityShareOneSendBudget() throws Exception {
        RelayBinding limited = binding();
        Victim victim = Victims.create(limited, (v, key, friend) -> { });
        RelayKeyPair mallory = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        List<String> sent = new ArrayList<>();
        try (Client b = online(limited, bob);
                Client reader = online(limited, mallory);
                Client second = limited.connectAnotherSession(mallory, "second");
                Client third = limited.connectAnotherSession(mallory, "third")) {
            List<Client> sessions = List.of(reader, second, third);
            for (int i = 0; i < RATE_LIMIT; i++) {
                Envelope envelope = message(mallory, bob, "spread " + i);
                assertAccepted(sessions.get(i % sessions.size()).publishToInbox(id(bob), envelope.toJson()));
                sent.add(envelope.id());
            }
            // Refused whichever session sends; an error envelope, where there is one, reaches the sending session.
            third.subscribeOwnInbox();
            assertRefused(third, third.publishToInbox(id(bob), message(mallory, bob, "one more").toJson()),
                    "rate_limited");
            assertThat(third.isConnected()).isTrue();
            Victims.assertReceivedExactly(limited, b, bob, sent);
        }
        Victims.assertUnharmed(limited, victim);
    }
}
