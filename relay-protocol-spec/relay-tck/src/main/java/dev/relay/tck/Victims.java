package dev.relay.tck;

import static dev.relay.tck.BindingTestSupport.arrival;
import static dev.relay.tck.BindingTestSupport.ask;
import static dev.relay.tck.BindingTestSupport.assertAccepted;
import static dev.relay.tck.BindingTestSupport.assertOnlyControlArrives;
import static dev.relay.tck.BindingTestSupport.id;
import static dev.relay.tck.BindingTestSupport.message;
import static dev.relay.tck.BindingTestSupport.online;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import dev.relay.tck.RelayBinding.Client;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The victim of the attack suites: an identity with data an attacker must not touch, and the check that it was not
 * touched (plus a bystander pair that still gets a message through).
 */
public final class Victims {
    private Victims() {
    }


    /**
     * An identity with data an attacker must not touch: a non-default policy (blocklist of one key, or whatever
     * {@code setup} set last), a message it sent to its friend in thread {@code threadId}, and the friend's reply
     * waiting in its inbox while it is offline.
     */
    public record Victim(RelayKeyPair key, RelayKeyPair friend, String blocked, Envelope policyRequest,
                            Envelope sentToFriend, String threadId, Envelope waiting, JsonNode policy,
                            Set<String> answersSeen) {
    }

    /** What a victim does in its first session (after setting its blocklist, before writing to its friend). */
    public interface VictimSetup {
        void run(Client client, RelayKeyPair key, RelayKeyPair friend) throws Exception;
    }

    public static Victim create(RelayBinding binding, VictimSetup setup) throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        RelayKeyPair friend = RelayKeyPair.generate();
        String blocked = id(RelayKeyPair.generate());
        String threadId = MessageId.generate();
        Envelope policyRequest = SystemRequest.envelope(key, SystemOp.POLICY_SET,
                Map.of("mode", "blocklist", "block", List.of(blocked)));
        Envelope sentToFriend = Envelope.builder(Kind.MESSAGE).to(friend.keyId()).threadId(threadId)
                .contentType("text/plain").body("are you there?").sign(key);
        JsonNode policy;
        Set<String> answersSeen = new HashSet<>();
        try (Client v = online(binding, key)) {
            Client recording = recordingArrivals(v, answersSeen);
            assertAccepted(v.publishRequest(policyRequest.toJson()));
            Envelope answer = Envelope.parse(arrival(recording));
            assertThat(answer.kind()).isEqualTo(Kind.RESPONSE);
            setup.run(recording, key, friend);
            assertAccepted(v.publishToInbox(id(friend), sentToFriend.toJson()));
            policy = ask(recording, key, SystemOp.POLICY_GET, Map.of());
        }
        Envelope waiting = reply(friend, key, sentToFriend, "yes, here is the secret");
        try (Client f = binding.connect(friend)) {
            assertAccepted(f.publishToInbox(id(key), waiting.toJson()));
        }
        return new Victim(key, friend, blocked, policyRequest, sentToFriend, threadId, waiting, policy, answersSeen);
    }

    /**
     * After an attack: a bystander pair still exchanges a message; the victim's waiting message arrives unchanged and
     * the friend's next message right after it (nothing the attacker sent got in between); the victim's policy is as
     * it left it.
     */
    public static void assertUnharmed(RelayBinding binding, Victim victim) throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        try (Client a = binding.connect(alice); Client b = online(binding, bob)) {
            Envelope hello = message(alice, bob, "bystander");
            assertAccepted(a.publishToInbox(id(bob), hello.toJson()));
            assertThat(Envelope.parse(arrival(b)).toJson()).as("bystander's message").isEqualTo(hello.toJson());
        }
        try (Client connected = online(binding, victim.key()); Client f = binding.connect(victim.friend())) {
            // Delivery is at-least-once (SPEC §4.5): answers the victim read during its setup may come again if their
            // acknowledgement was lost in its disconnect; like any client (SPEC §3.8), it skips what it has seen.
            Client v = skippingSeen(connected, victim.answersSeen());
            assertThat(Envelope.parse(arrival(v)).toJson()).as("the message that waited for the victim")
                    .isEqualTo(victim.waiting().toJson());
            Envelope next = reply(victim.friend(), victim.key(), victim.sentToFriend(), "and another thing");
            assertAccepted(f.publishToInbox(id(victim.key()), next.toJson()));
            assertThat(Envelope.parse(arrival(v)).id()).as("the victim's next message is the friend's")
                    .isEqualTo(next.id());
            assertThat(ask(v, victim.key(), SystemOp.POLICY_GET, Map.of())).as("the victim's policy")
                    .isEqualTo(victim.policy());
        }
    }

    /** A reply (admitted even by a closed inbox, SPEC §5.4 rule 3) in the thread of {@code original}. */
    static Envelope reply(RelayKeyPair from, RelayKeyPair to, Envelope original, String text)
            throws RelayException {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).threadId(original.threadId()).inReplyTo(original.id())
                .contentType("text/plain").body(text).sign(from);
    }

    /** {@code client}, remembering the (from, id) of every envelope it receives. */
    private static Client recordingArrivals(Client client, Set<String> seen) {
        return new ForwardingClient(client) {
            @Override
            public byte[] receive(Duration timeout) throws Exception {
                byte[] payload = client.receive(timeout);
                if (payload != null) {
                    Envelope envelope = Envelope.parse(payload);
                    seen.add(envelope.from() + "/" + envelope.id());
                }
                return payload;
            }
        };
    }

    /** {@code client}, skipping envelopes whose (from, id) is in {@code seen}. */
    private static Client skippingSeen(Client client, Set<String> seen) {
        return new ForwardingClient(client) {
            @Override
            public byte[] receive(Duration timeout) throws Exception {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (true) {
                    byte[] payload = client.receive(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                    if (payload == null || !seen.contains(senderAndId(payload))) {
                        return payload;
                    }
                }
            }
        };
    }

    private static String senderAndId(byte[] payload) {
        try {
            Envelope envelope = Envelope.parse(payload);
            return envelope.from() + "/" + envelope.id();
        } catch (RelayException e) {
            return "";
        }
    }

    /** A client that passes everything to another. */
    private static class ForwardingClient implements Client {
        private final Client delegate;

        ForwardingClient(Client delegate) {
            this.delegate = delegate;
        }

        @Override
        public void subscribeOwnInbox() throws Exception {
            delegate.subscribeOwnInbox();
        }

        @Override
        public boolean trySubscribeInboxOf(String keyId) throws Exception {
            return delegate.trySubscribeInboxOf(keyId);
        }

        @Override
        public RelayBinding.Sent publishToInbox(String keyId, byte[] payload) throws Exception {
            return delegate.publishToInbox(keyId, payload);
        }

        @Override
        public RelayBinding.Sent publishRequest(byte[] payload) throws Exception {
            return delegate.publishRequest(payload);
        }

        @Override
        public byte[] receive(Duration timeout) throws Exception {
            return delegate.receive(timeout);
        }

        @Override
        public boolean isConnected() {
            return delegate.isConnected();
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }
    }

    /** Exactly {@code ids}, in order, then a control message from a fresh identity. */
    static void assertReceivedExactly(RelayBinding binding, Client recipient, RelayKeyPair recipientKey,
                                              List<String> ids) throws Exception {
        List<String> received = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            received.add(Envelope.parse(arrival(recipient)).id());
        }
        assertThat(received).containsExactlyElementsOf(ids);
        RelayKeyPair controller = RelayKeyPair.generate();
        try (Client c = binding.connect(controller)) {
            assertOnlyControlArrives(c, controller, recipient, recipientKey);
        }
    }
}
