package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.postoffice.Binding;
import org.apache.activemq.artemis.core.postoffice.impl.LocalQueueBinding;

/**
 * The scene of one attack on {@link RelayArtemis}: a victim with one message from a friend waiting in its inbox, and
 * the checks every attack test ends with ({@link #assertNoOneElseHarmed()}).
 */
final class AttackScene {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration QUIET = Duration.ofSeconds(1);
    /** Every queue the relay namespace may hold: an inbox queue or a system queue, named as its address. */
    private static final Pattern RELAY_QUEUE =
            Pattern.compile("relay\\.v1\\.(inbox\\.[A-Za-z0-9_-]{43}|sys|expired|dead)");

    final RelayArtemis broker;
    final RelayKeyPair victim;
    final RelayKeyPair friend;
    final String victimInbox;
    /** The friend's message waiting in the victim's inbox. */
    final Envelope waiting;

    private AttackScene(RelayArtemis broker, RelayKeyPair victim, RelayKeyPair friend, Envelope waiting) {
        this.broker = broker;
        this.victim = victim;
        this.friend = friend;
        this.victimInbox = "relay.v1.inbox." + victim.keyId();
        this.waiting = waiting;
    }

    /** A fresh victim whose friend left it one message (sent over AMQP), still waiting in its inbox. */
    static AttackScene victimWithAWaitingMessage(RelayArtemis broker) throws Exception {
        RelayKeyPair victim = RelayKeyPair.generate();
        RelayKeyPair friend = RelayKeyPair.generate();
        Envelope waiting = message(friend, victim, "waiting for the victim");
        try (ArtemisClient f = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(friend)) {
            assertThat(f.publishToInbox(victim.keyId().toString(), waiting.toJson()).refused()).isFalse();
        }
        assertThat(broker.queued(victim.keyId().toString())).isEqualTo(1);
        return new AttackScene(broker, victim, friend, waiting);
    }

    static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from);
    }

    /**
     * What every attack must leave intact: the broker still serves others (a fresh pair exchanges a message, AMQP to
     * STOMP), the namespace holds only inbox and system queues, and the victim's inbox is the same durable ANYCAST
     * queue, alone on its address, with exactly the one waiting message; the victim reads it and nothing the attacker
     * injected, and its policy is still the default.
     */
    void assertNoOneElseHarmed() throws Exception {
        assertNamespaceHoldsOnlyRelayQueues();
        var queue = broker.server().locateQueue(victimInbox);
        assertThat(queue).as("victim's inbox queue").isNotNull();
        assertThat(queue.getRoutingType()).isEqualTo(RoutingType.ANYCAST);
        assertThat(queue.isDurable()).isTrue();
        assertThat(queue.getMessageCount()).as("victim's waiting messages").isEqualTo(1);
        assertThat(queueNamesOn(victimInbox)).as("queues on the victim's address").containsExactly(victimInbox);

        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (ArtemisClient a = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(alice);
             ArtemisClient b = new ArtemisBinding(broker, ArtemisBinding.Protocol.STOMP).connect(bob)) {
            a.subscribeOwnInbox();
            Envelope hello = message(bob, alice, "still working");
            assertThat(b.publishToInbox(alice.keyId().toString(), hello.toJson()).refused()).isFalse();
            assertThat(a.receive(WAIT)).as("bystanders exchange a message").isEqualTo(hello.toJson());
        }

        try (ArtemisClient v = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(victim)) {
            v.subscribeOwnInbox();
            assertThat(v.receive(WAIT)).as("the waiting message").isEqualTo(waiting.toJson());
            assertThat(v.receive(QUIET)).as("nothing injected").isNull();
            Envelope policyGet = SystemRequest.envelope(victim, SystemOp.POLICY_GET, Map.of());
            assertThat(v.publishRequest(policyGet.toJson()).refused()).isFalse();
            Envelope answer = Envelope.parse(v.receive(WAIT));
            assertThat(answer.inReplyTo()).isEqualTo(policyGet.id());
            JsonNode policy = Json.readObject(answer.body(), "answer").path("result");
            assertThat(policy.path("mode").asText()).as("victim's policy mode").isEqualTo("blocklist");
            assertThat(policy.path("allow").size()).as("victim's allow list").isZero();
            assertThat(policy.path("block").size()).as("victim's block list").isZero();
        }
    }

    private void assertNamespaceHoldsOnlyRelayQueues() {
        List<String> strays = new ArrayList<>();
        broker.server().getPostOffice().getAllBindings().filter(LocalQueueBinding.class::isInstance)
                .forEach((Binding binding) -> {
                    String queue = binding.getUniqueName().toString();
                    String address = binding.getAddress().toString();
                    if ((queue.contains("relay.v1") || address.contains("relay.v1"))
                            && !(queue.equals(address) && RELAY_QUEUE.matcher(queue).matches())) {
                        strays.add(queue + " on " + address);
                    }
                });
        assertThat(strays).as("queues in the relay namespace that are not the relay's").isEmpty();
    }

    List<String> queueNamesOn(String address) throws Exception {
        List<String> names = new ArrayList<>();
        for (Binding binding : broker.server().getPostOffice().getBindingsForAddress(SimpleString.of(address))
                .getBindings()) {
            names.add(binding.getUniqueName().toString());
        }
        return names;
    }
}
