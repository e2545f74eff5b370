package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import dev.relay.tck.RelayBinding;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.api.core.ActiveMQSecurityException;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.activemq.artemis.api.core.management.ManagementHelper;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.DistributionMode;
import org.apache.qpid.protonj2.client.ErrorCondition;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.ReceiverOptions;
import org.apache.qpid.protonj2.client.Rejected;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.apache.qpid.protonj2.client.exceptions.ClientResourceRemotelyClosedException;
import org.apache.qpid.protonj2.types.Symbol;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Attacks that only make sense inside Apache Artemis: its addressing tricks (FQQN, routing-type prefixes, wildcard
 * words, MQTT/core name conversion), its queue and management machinery, its anonymous AMQP relay, STOMP's
 * queue-creating headers, MQTT wills and client-id takeover, and the core protocol. Each attack asserts what the
 * attacker sees, and then {@link AttackScene#assertNoOneElseHarmed()}: a bystander pair still talks, and the victim's
 * inbox still holds exactly the one message that waited for it, with its policy unchanged. The generic envelope and token attacks
 * over every binding are relay-tck's AttackSuite; InboxIsolationIT, RefusalsIT and CoreProtocolIT cover the plain cases.
 */
class ArtemisProtocolAttacksIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Client AMQP = Client.create();
    private static final String UNAUTHORIZED = "amqp:unauthorized-access";

    private static RelayArtemis broker;

    private AttackScene scene;
    private RelayKeyPair victim;
    private RelayKeyPair friend;
    private RelayKeyPair mallory;
    private String victimInbox;
    /** An envelope the friend signed for the victim, captured by the attacker, who replays it as its own. */
    private Envelope captured;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @BeforeEach
    void victimWithAWaitingMessage() throws Exception {
        scene = AttackScene.victimWithAWaitingMessage(broker);
        victim = scene.victim;
        friend = scene.friend;
        victimInbox = scene.victimInbox;
        mallory = RelayKeyPair.generate();
        captured = message(friend, victim, "pay mallory 100");
    }

    // ------------------------------------------------------------------------------------------------ AMQP 1.0

    @Nested
    class Amqp {

        @Test
        void anonymousRelaySenderAddressingTheVictimsInboxInTheToPropertyIsCheckedLikeANamedLink() throws Exception {
            try (Connection attacker = amqp(mallory)) {
                Sender anonymous = attacker.openAnonymousSender();
                for (String to : List.of(victimInbox, victimInbox + "::" + victimInbox)) {
                    Rejected rejected = rejectedSend(anonymous, Message.create(captured.toJson()).to(to));
                    assertThat(rejected.getCondition()).as(to).isEqualTo(UNAUTHORIZED);
                    assertThat(rejected.getDescription()).as(to).startsWith("sender_mismatch:");
                }
                // This listener does not resolve routing-type prefixes: refused before the envelope is even checked.
                Rejected prefixed = rejectedSend(anonymous, Message.create(captured.toJson()).to("anycast://" + victimInbox));
                assertThat(prefixed.getCondition()).isEqualTo(UNAUTHORIZED);
                assertThat(prefixed.getDescription()).startsWith("forbidden:");
            }
            assertNoOneElseHarmed();
        }

        @Test
        void anonymousRelaySenderCannotSlipAForgedRequestToTheSystemAddress() throws Exception {
            // The victim once signed "allow only mallory"; mallory replays it on its own connection.
            Envelope forged = SystemRequest.envelope(victim, SystemOp.POLICY_SET,
                    Map.of("mode", "allowlist", "allow", List.of(mallory.keyId().toString())));
            try (Connection attacker = amqp(mallory)) {
                Sender anonymous = attacker.openAnonymousSender();
                Rejected rejected = rejectedSend(anonymous,
                        Message.create(forged.toJson()).to("relay.v1.sys"));
                assertThat(rejected.getCondition()).isEqualTo(UNAUTHORIZED);
                assertThat(rejected.getDescription()).startsWith("sender_mismatch:");
            }
            assertNoOneElseHarmed();
        }

        @Test
        void anonymousRelaySenderCannotFanOutWithWildcardsOrSendMulticastIntoAnInbox() throws Exception {
            Envelope own = message(mallory, victim, "spam");
            try (Connection attacker = amqp(mallory)) {
                Sender anonymous = attacker.openAnonymousSender();
                // A wildcard address would route one send to every inbox it matches.
                for (String to : List.of("relay.v1.inbox.*", "relay.v1.#", "*.v1.inbox." + victim.keyId())) {
                    Rejected rejected = rejectedSend(anonymous, Message.create(own.toJson()).to(to));
                    assertThat(rejected.getCondition()).as(to).isEqualTo(UNAUTHORIZED);
                    assertThat(rejected.getDescription()).as(to).startsWith("forbidden: ").contains("wildcards");
                }
                Rejected multicast = rejectedSend(anonymous, Message.create(own.toJson()).to("multicast://" + victimInbox));
                assertThat(multicast.getCondition()).isEqualTo(UNAUTHORIZED);
                assertThat(multicast.getDescription()).startsWith("forbidden: ").contains("anycast");
            }
            assertNoOneElseHarmed();
        }

        /**
         * A transfer to a name under {@code relay.v1.} that is neither an inbox nor the system address is refused with
         * the relay's reason string (SPEC §10.5), not Artemis' permission text, and no address of that name is made;
         * the anonymous link stays usable.
         */
        @Test
        void anonymousRelayTransfersToReservedNamesAreForbiddenAndCreateNothing() throws Exception {
            Envelope own = message(mallory, victim, "to a reserved name");
            List<String> reserved = List.of("relay.v1.other", "relay.v1.inbox", "relay.v1.inbox.short",
                    "relay.v1.sys.copy", "relay.v1.inbox." + victim.keyId() + ".x");
            try (Connection attacker = amqp(mallory)) {
                Sender anonymous = attacker.openAnonymousSender();
                for (String to : reserved) {
                    Rejected rejected = rejectedSend(anonymous, Message.create(own.toJson()).to(to));
                    assertThat(rejected.getCondition()).as(to).isEqualTo(UNAUTHORIZED);
                    assertThat(rejected.getDescription()).as(to).startsWith("forbidden: '" + to + "'");
                }
                RelayKeyPair bob = RelayKeyPair.generate();
                try (ArtemisClient b = connect(ArtemisBinding.Protocol.AMQP, bob)) {
                    b.subscribeOwnInbox();
                    Envelope stillSending = message(mallory, bob, "still sending");
                    Tracker accepted = anonymous.send(Message.create(stillSending.toJson())
                            .to("relay.v1.inbox." + bob.keyId()));
                    accepted.awaitSettlement(10, TimeUnit.SECONDS);
                    assertThat(accepted.remoteState().isAccepted()).as("the link still sends").isTrue();
                    assertThat(b.receive(WAIT)).isEqualTo(stillSending.toJson());
                }
            }
            for (String name : reserved) {
                assertThat(broker.server().getAddressInfo(SimpleString.of(name))).as(name).isNull();
            }
            assertNoOneElseHarmed();
        }

        /**
         * Without an {@code anycastPrefix} on the acceptor Artemis takes {@code anycast://relay.v1.inbox.K} literally:
         * a send there used to be accepted and then routed to an address with no queue, i.e. lost. It is refused now,
         * on every protocol that can name it.
         */
        @Test
        void aSendThroughALiteralAnycastPrefixIsRefusedInsteadOfAcceptedAndLost() throws Exception {
            RelayKeyPair alice = RelayKeyPair.generate();
            String prefixed = "anycast://relay.v1.inbox." + alice.keyId();
            try (Connection sender = amqp(mallory)) {
                Rejected rejected = rejectedSend(sender.openAnonymousSender(),
                        Message.create(message(mallory, alice, "anonymous").toJson()).to(prefixed));
                assertThat(rejected.getCondition()).isEqualTo(UNAUTHORIZED);
                assertThat(rejected.getDescription()).startsWith("forbidden:");
            }
            try (Connection sender = amqp(mallory)) {
                // The literal name is never created (the relay makes every name in its namespace).
                assertAttachClosed(sender.openSender(prefixed).openFuture(), "amqp:internal-error",
                        "forbidden: '" + prefixed + "'");
            }
            try (StompClient sender = stomp(mallory)) {
                assertThat(sender.sendTo(stompEscaped(prefixed), message(mallory, alice, "stomp").toJson())
                        .reasonString()).startsWith("forbidden:");
            }
            try (CoreSession sender = core(mallory);
                 ClientProducer producer = sender.session.createProducer(prefixed)) {
                ClientMessage envelope = sender.session.createMessage(ClientMessage.BYTES_TYPE, true);
                envelope.getBodyBuffer().writeBytes(message(mallory, alice, "core").toJson());
                assertThatThrownBy(() -> producer.send(envelope)).isInstanceOf(ActiveMQSecurityException.class)
                        .hasMessageStartingWith("forbidden:");
            }
            assertThat(broker.queued(alice.keyId().toString())).as("nothing accepted for alice").isZero();
            assertNoOneElseHarmed();
        }

        @Test
        void aSenderLinkOnTheVictimsInboxCannotCarryACapturedEnvelope() throws Exception {
            try (Connection attacker = amqp(mallory)) {
                Sender sender = attacker.openSender(victimInbox);
                Rejected rejected = rejectedSend(sender, Message.create(captured.toJson()));
                assertThat(rejected.getCondition()).isEqualTo(UNAUTHORIZED);
                assertThat(rejected.getDescription()).startsWith("sender_mismatch:");
            }
            assertNoOneElseHarmed();
        }

        @Test
        void managementLinksCannotBeOpened() throws Exception {
            try (Connection attacker = amqp(mallory)) {
                assertAttachRefused(attacker.openSender("activemq.management").openFuture(), UNAUTHORIZED, "SEND");
            }
            try (Connection attacker = amqp(mallory)) {
                // Where management answers (and notifications) would be read.
                assertAttachRefused(attacker.openReceiver("activemq.management").openFuture(), UNAUTHORIZED,
                        "CREATE_ADDRESS");
            }
            try (Connection attacker = amqp(mallory)) {
                // A subscription on the (MULTICAST) notification address: refused as a temporary queue.
                assertAttachRefused(attacker.openReceiver("activemq.notifications").openFuture(),
                        "amqp:internal-error", "CREATE_NON_DURABLE_QUEUE");
            }
            assertNoOneElseHarmed();
        }

        /**
         * Through the anonymous relay a management message is never executed: Artemis drops the whole connection
         * (its anonymous-relay path finds no paging store for the management address), before any security check.
         */
        @Test
        void managementMessagesThroughTheAnonymousRelayCannotPurgeOrDestroyTheVictimsInbox() throws Exception {
            List<Message<String>> operations = List.of(
                    Message.create("[]").to("activemq.management").property("_AMQ_ResourceName", "queue." + victimInbox)
                            .property("_AMQ_OperationName", "removeAllMessages"),
                    Message.create("[\"" + victimInbox + "\", true]").to("activemq.management")
                            .property("_AMQ_ResourceName", "broker").property("_AMQ_OperationName", "destroyQueue"));
            for (Message<String> operation : operations) {
                try (Connection attacker = amqp(mallory)) {
                    Sender anonymous = attacker.openAnonymousSender();
                    Throwable refused = catchThrowable(() -> anonymous.send(operation).awaitSettlement(10, TimeUnit.SECONDS));
                    assertThat(refused).as("%s", operation.property("_AMQ_OperationName"))
                            .isInstanceOf(org.apache.qpid.protonj2.client.exceptions.ClientConnectionRemotelyClosedException.class);
                }
            }
            assertNoOneElseHarmed();
        }

        @Test
        void receiversOnWildcardWordsMatchingTheVictimsInboxAreRefused() throws Exception {
            String key = victim.keyId().toString();
            for (String source : List.of("relay.v1.inbox.*", "relay.v1.#", "#", "relay.v1.*", "*.v1.inbox." + key,
                    "relay.*.inbox." + key, "relay.v1.inbox.*::" + victimInbox)) {
                try (Connection attacker = amqp(mallory)) {
                    // Artemis words the start ("not authorized to create consumer"); the reason is the relay's.
                    assertAttachClosed(attacker.openReceiver(source).openFuture(), UNAUTHORIZED, "forbidden: '");
                }
            }
            assertNoOneElseHarmed();
        }

        @Test
        void dynamicTemporaryAndDurableSubscriptionNodesAreRefused() throws Exception {
            try (Connection attacker = amqp(mallory)) {
                // Artemis reports a refused temporary queue as an internal error, naming the permission.
                assertAttachRefused(attacker.openDynamicReceiver().openFuture(), "amqp:internal-error",
                        "CREATE_NON_DURABLE_QUEUE");
            }
            try (Connection attacker = amqp(mallory)) {
                // A durable subscription would be a queue of the attacker's copying the inbox; Artemis checks it as a
                // browse (copy distribution) of the inbox, which only the owner may do.
                assertAttachRefused(attacker.openDurableReceiver(victimInbox, "copy").openFuture(), UNAUTHORIZED,
                        "BROWSE");
            }
            try (Connection attacker = amqp(mallory)) {
                ReceiverOptions topic = new ReceiverOptions();
                topic.sourceOptions().capabilities("topic");
                // Inbox addresses are ANYCAST only, whoever created them (RelayBrokerPlugin#beforeAddAddress).
                assertAttachClosed(attacker.openReceiver(victimInbox, topic).openFuture(), "amqp:illegal-state",
                        "is not configured for topic support");
            }
            assertNoOneElseHarmed();
        }

        @Test
        void browseModeReceiversOnAnotherInboxOrTheSharedRelayQueuesAreRefused() throws Exception {
            for (String source : List.of(victimInbox, "relay.v1.sys", "relay.v1.expired", "relay.v1.dead")) {
                try (Connection attacker = amqp(mallory)) {
                    ReceiverOptions browse = new ReceiverOptions();
                    browse.sourceOptions().distributionMode(DistributionMode.COPY);
                    assertAttachRefused(attacker.openReceiver(source, browse).openFuture(), UNAUTHORIZED, "BROWSE");
                }
            }
            assertNoOneElseHarmed();
        }

        @Test
        void receiversWithASelectorCannotPickTheVictimsMessagesFromSharedRelayQueues() throws Exception {
            String selector = "relay_from = '" + friend.keyId() + "'";
            for (String source : List.of(victimInbox, "relay.v1.sys", "relay.v1.expired", "relay.v1.dead")) {
                try (Connection attacker = amqp(mallory)) {
                    ReceiverOptions filtered = new ReceiverOptions();
                    filtered.sourceOptions().addFilter("jms-selector",
                            Symbol.valueOf("apache.org:selector-filter:string"), selector);
                    assertAttachRefused(attacker.openReceiver(source, filtered).openFuture(), UNAUTHORIZED, "CONSUME");
                }
            }
            assertNoOneElseHarmed();
        }

        @Test
        void linksCannotCreateQueuesOrAddressesUnderTheRelayNamespace() throws Exception {
            try (Connection attacker = amqp(mallory)) {
                ReceiverOptions queue = new ReceiverOptions();
                queue.sourceOptions().capabilities("queue");
                assertAttachClosed(attacker.openReceiver("relay.v1.mallory", queue).openFuture(), UNAUTHORIZED,
                        "forbidden: 'relay.v1.mallory'");
            }
            try (Connection attacker = amqp(mallory)) {
                assertAttachClosed(attacker.openSender("relay.v1.mallory").openFuture(), "amqp:internal-error",
                        "forbidden: 'relay.v1.mallory'");
            }
            try (Connection attacker = amqp(mallory)) {
                ReceiverOptions queue = new ReceiverOptions();
                queue.sourceOptions().capabilities("queue");
                // A second queue on the system address would copy everyone's requests.
                assertAttachRefused(attacker.openReceiver("relay.v1.sys::mallory", queue).openFuture(), UNAUTHORIZED,
                        "CREATE_DURABLE_QUEUE");
            }
            assertThat(broker.server().getAddressInfo(SimpleString.of("relay.v1.mallory"))).isNull();
            assertThat(broker.server().locateQueue("mallory")).isNull();
            assertNoOneElseHarmed();
        }

        @Test
        void saslAnonymousExternalOrNoSaslAtAllGetsNoConnection() throws Exception {
            for (String mechanism : List.of("ANONYMOUS", "EXTERNAL")) {
                ConnectionOptions options = options();
                options.saslOptions().addAllowedMechanism(mechanism);
                // The acceptor offers PLAIN alone: there is no mechanism without the connect token.
                assertThat(openFailure(options)).as(mechanism)
                        .isInstanceOf(org.apache.qpid.protonj2.client.exceptions.ClientConnectionSecuritySaslException.class)
                        .hasMessageContaining("Server offered: [PLAIN]");
            }
            ConnectionOptions noSasl = options().user(mallory.keyId().toString()).password(token(mallory));
            noSasl.saslOptions().saslEnabled(false);
            // Skipping the SASL layer: the broker closes the connection (its SASL layer is mandatory).
            assertThat(openFailure(noSasl)).as("no SASL layer")
                    .isInstanceOf(org.apache.qpid.protonj2.client.exceptions.ClientConnectionRemotelyClosedException.class);
            assertNoOneElseHarmed();
        }

        @Test
        void theVictimsUsernameWithTheAttackersTokenIsRefusedAtSasl() throws Exception {
            ConnectionOptions options = options().user(victim.keyId().toString()).password(token(mallory));
            options.saslOptions().addAllowedMechanism("PLAIN");
            Throwable refused = openFailure(options);
            assertThat(refused).isInstanceOf(
                    org.apache.qpid.protonj2.client.exceptions.ClientConnectionSecuritySaslException.class);
            assertNoOneElseHarmed();
        }
    }

    // ------------------------------------------------------------------------------------------------ STOMP

    @Nested
    class Stomp {

        /**
         * Every spelling of the victim's queue, the relay's system and expiry queues, and wildcard or multicast names
         * are refused with the reason string {@code forbidden: ...} (SPEC §10.6), not Artemis' "Error creating
         * subscription" (AMQ339016) or permission text; no consumer is left on the victim's inbox.
         */
        @Test
        void subscribeToTheVictimsInboxInEveryArtemisSpellingIsRefusedAsForbidden() throws Exception {
            List<Map<String, String>> attempts = List.of(
                    Map.of("destination", victimInbox),
                    Map.of("destination", victimInbox, "destination-type", "MULTICAST"),
                    Map.of("destination", victimInbox, "subscription-type", "MULTICAST"),
                    Map.of("destination", stompEscaped(victimInbox + "::" + victimInbox), "destination-type", "ANYCAST"),
                    Map.of("destination", stompEscaped("anycast://" + victimInbox)),
                    Map.of("destination", victimInbox, "browser", "true"),
                    Map.of("destination", victimInbox, "durable-subscription-name", "copy", "client-id", "m"),
                    Map.of("destination", victimInbox, "selector", "relay_from = '" + friend.keyId() + "'"),
                    Map.of("destination", "relay.v1.sys"),
                    Map.of("destination", "relay.v1.expired"),
                    Map.of("destination", "relay.v1.dead"),
                    Map.of("destination", stompEscaped("multicast://" + victimInbox)),
                    Map.of("destination", "relay.v1.inbox.*"),
                    Map.of("destination", "relay.v1.#", "destination-type", "MULTICAST"),
                    Map.of("destination", "#"));
            for (Map<String, String> attempt : attempts) {
                try (StompClient attacker = stomp(mallory)) {
                    StompClient.Frame answer = subscribe(attacker, attempt);
                    assertThat(answer.command()).as("%s", attempt).isEqualTo("ERROR");
                    assertThat(answer.header("message")).as("%s", attempt).startsWith("forbidden: ");
                }
            }
            assertThat(broker.server().locateQueue(victimInbox).getConsumerCount()).isZero();
            assertNoOneElseHarmed();
        }

        @Test
        void subscribeHeadersAskingArtemisToCreateQueuesInTheNamespaceAreRefused() throws Exception {
            String unseenInbox = "relay.v1.inbox." + RelayKeyPair.generate().keyId();
            for (Map<String, String> attempt : List.of(
                    Map.of("destination", unseenInbox, "destination-type", "ANYCAST"),
                    Map.of("destination", "relay.v1.mallory", "destination-type", "ANYCAST"),
                    Map.of("destination", "relay.v1.sys", "subscription-type", "MULTICAST",
                            "durable-subscription-name", "requests", "client-id", "m"),
                    Map.of("destination", stompEscaped("relay.v1.sys::mallory"), "destination-type", "ANYCAST"))) {
                try (StompClient attacker = stomp(mallory)) {
                    StompClient.Frame answer = subscribe(attacker, attempt);
                    assertThat(answer.command()).as("%s", attempt).isEqualTo("ERROR");
                    assertThat(answer.header("message")).as("%s", attempt).startsWith("forbidden: ");
                }
            }
            var unseen = broker.server().locateQueue(unseenInbox);
            if (unseen != null) {
                assertThat(unseen.getMessageCount()).isZero();
                assertThat(unseen.getConsumerCount()).isZero();
            }
            assertThat(broker.server().getAddressInfo(SimpleString.of("relay.v1.mallory"))).isNull();
            assertThat(broker.server().locateQueue("mallory")).isNull();
            assertThat(queueNamesOn("relay.v1.sys")).containsExactly("relay.v1.sys");
            assertNoOneElseHarmed();
        }

        @Test
        void sendWithAForgedEnvelopeIsAnErrorFrameWithTheCode() throws Exception {
            try (StompClient attacker = stomp(mallory)) {
                RelayBinding.Sent sent = attacker.sendTo(victimInbox, captured.toJson());
                assertThat(sent.reasonString()).startsWith("sender_mismatch:");
            }
            try (StompClient attacker = stomp(mallory)) {
                RelayBinding.Sent sent = attacker.sendTo(stompEscaped(victimInbox + "::" + victimInbox), captured.toJson());
                assertThat(sent.reasonString()).startsWith("sender_mismatch:");
            }
            assertNoOneElseHarmed();
        }

        /** A wildcard destination would fan one SEND out to every inbox it matches. */
        @Test
        void sendToWildcardOrMulticastDestinationsIsRefused() throws Exception {
            Envelope own = message(mallory, victim, "to every inbox");
            for (String destination : List.of("relay.v1.inbox.*", "relay.v1.#", "*.v1.inbox." + victim.keyId())) {
                try (StompClient attacker = stomp(mallory)) {
                    // Refused before the plugin sees the SEND, when Artemis would create the address.
                    assertThat(attacker.sendTo(destination, own.toJson()).reasonString()).as(destination)
                            .startsWith("forbidden: '" + destination + "'").contains("wildcards");
                }
            }
            try (StompClient attacker = stomp(mallory)) {
                assertThat(attacker.sendTo(stompEscaped("multicast://" + victimInbox), own.toJson()).reasonString())
                        .startsWith("forbidden: ").contains("anycast");
            }
            assertNoOneElseHarmed();
        }

        @Test
        void sendAsMulticastToTheVictimsAnycastInboxIsRefusedNotLost() throws Exception {
            try (StompClient attacker = stomp(mallory)) {
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("destination", victimInbox);
                headers.put("destination-type", "MULTICAST");
                StompClient.Frame answer = attacker.request("SEND", headers, message(mallory, victim, "x").toJson());
                assertThat(answer.command()).isEqualTo("ERROR");
                // Routed MULTICAST the envelope would miss the ANYCAST inbox queue (see the report on the code).
                assertThat(answer.header("message")).startsWith("internal: inbox address was being created");
            }
            assertNoOneElseHarmed();
        }

        @Test
        void sendToTheManagementAddressCannotPurgeTheVictimsInbox() throws Exception {
            try (StompClient attacker = stomp(mallory)) {
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("destination", "activemq.management");
                headers.put("_AMQ_ResourceName", "queue." + victimInbox);
                headers.put("_AMQ_OperationName", "removeAllMessages");
                StompClient.Frame answer = attacker.request("SEND", headers, "[]".getBytes(StandardCharsets.UTF_8));
                assertThat(answer.command()).isEqualTo("ERROR");
                assertThat(answer.header("message")).startsWith("forbidden:").contains("activemq.management");
            }
            assertNoOneElseHarmed();
        }

        /** The ERROR frame names the engine's code, not Artemis' "Security Error occurred" (SPEC §10.6). */
        @Test
        void connectWithTheVictimsLoginAndTheAttackersTokenIsRefusedAsBadSignature() throws Exception {
            assertThatThrownBy(() -> StompClient.connect(broker, victim.keyId().toString(), token(mallory)))
                    .isInstanceOf(RelayBinding.ConnectRefusedException.class)
                    .extracting(refused -> ((RelayBinding.ConnectRefusedException) refused).reasonString())
                    .asString().startsWith("bad_signature: ");
            assertNoOneElseHarmed();
        }
    }

    // ------------------------------------------------------------------------------------------------ MQTT

    @Nested
    class Mqtt {

        /**
         * Filters InboxIsolationIT does not try: other wildcard shapes, shared subscriptions with a wildcard or with
         * the victim's key as group, the system address, Artemis' own MQTT state, and lookalikes with {@code *} or
         * {@code .} (plain text in MQTT, special in core names).
         */
        @Test
        void wildcardSharedAndConvertedFiltersReachingInboxesAreRefusedWithAReason() throws Exception {
            String key = victim.keyId().toString();
            List<String> filters = List.of("+/v1/inbox/+", "relay/+/inbox/" + key, "relay/v1/inbox/" + key + "/#",
                    "+/+/+/+", "$share/g/relay/v1/#", "$share/g/#", "$share/g/relay/v1/inbox/+", "relay/v1/sys",
                    "relay/v1/inbox/*", "*/v1/inbox/" + key, "relay.v1.inbox." + key, "$share/" + key + "/relay/v1/inbox/" + key,
                    "$sys/mqtt/retain/#", "$sys/mqtt/sessions");
            for (String filter : filters) {
                SubscribeResult result = subscribeV5(mallory, filter);
                assertThat(result.refused()).as(filter).isTrue();
                assertThat(result.reasonString()).as(filter).startsWith("forbidden:");
            }
            for (String filter : List.of("+/v1/inbox/+", "relay/v1/inbox/*", "*/v1/inbox/" + key)) {
                try (MqttClients.V3 attacker = new MqttClients.V3(broker, mallory.keyId().toString(),
                        mallory.keyId().toString(), token(mallory), true)) {
                    assertThat(attacker.tryConsume(filter.replace('/', '.'))).as("3.1.1 %s", filter).isFalse();
                }
            }
            assertNoOneElseHarmed();
        }

        @Test
        void aRetainedPublishIntoTheVictimsInboxIsRefusedAndNothingIsRetained() throws Exception {
            try (MqttClients.V5 attacker = new MqttClients.V5(broker, mallory.keyId().toString(),
                    mallory.keyId().toString(), token(mallory), true)) {
                attacker.subscribeOwnInbox();
                RelayBinding.Sent sent = attacker.publish("relay/v1/inbox/" + victim.keyId(),
                        message(mallory, victim, "retained for every future reader").toJson(), 1, true);
                assertThat(sent.refused()).isTrue();
                assertThat(attacker.lastReasonCode()).isEqualTo(0x87);
                assertThat(sent.reasonString()).startsWith("forbidden:");
                assertThat(attacker.receive(Duration.ofMillis(500))).as("no error envelope: the PUBACK said it").isNull();
            }
            V3Raw attacker = V3Raw.connect(mallory, mallory.keyId().toString(), null, null, false);
            try {
                attacker.client.subscribe("relay/v1/inbox/" + mallory.keyId(), 1).waitForCompletion(WAIT.toMillis());
                attacker.client.publish("relay/v1/inbox/" + victim.keyId(),
                        message(mallory, victim, "retained 3.1.1").toJson(), 1, true).waitForCompletion(WAIT.toMillis());
                assertErrorEnvelope(attacker.received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS), "forbidden");
            } finally {
                attacker.close();
            }
            assertThat(broker.server().locateQueue("$sys.mqtt.retain." + victimInbox)).as("retain queue").isNull();
            assertNoOneElseHarmed();
        }

        /**
         * The broker publishes a will on the client's behalf, past every envelope check: a CONNECT with a will into
         * the namespace is refused (SPEC §2.6). Before, Artemis accepted it and dropped the will later, unseen.
         */
        @Test
        void aConnectWithAWillIntoTheNamespaceIsRefusedForbidden() throws Exception {
            String key = victim.keyId().toString();
            for (String willTopic : List.of("relay/v1/inbox/" + key, "relay/v1/sys", "relay/v1/inbox/*",
                    "relay/v1/other")) {
                var client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(broker.mqttUri(),
                        mallory.keyId().toString(), new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
                MqttConnectionOptions options = v5Options(mallory, true);
                options.setWill(willTopic,
                        new org.eclipse.paho.mqttv5.common.MqttMessage(captured.toJson(), 1, false, null));
                Throwable refused = catchThrowable(() -> client.connect(options).waitForCompletion(WAIT.toMillis()));
                client.close(true);
                assertThat(refused).as(willTopic).isInstanceOf(MqttException.class);
                assertThat(((MqttException) refused).getReasonCode()).as(willTopic).isEqualTo(0x87);
            }
            for (boolean retained : new boolean[] {false, true}) {
                Throwable refused = catchThrowable(() -> V3Raw.connect(mallory, mallory.keyId().toString(),
                        "relay/v1/inbox/" + key, message(mallory, victim, "will").toJson(), retained).close());
                assertThat(refused).as("3.1.1 retained=%s", retained)
                        .isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
                assertThat(((org.eclipse.paho.client.mqttv3.MqttException) refused).getReasonCode())
                        .isEqualTo(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_NOT_AUTHORIZED);
            }
            assertNoOneElseHarmed();
        }

        /**
         * Topics with {@code *}, the core wildcard word (plain text in MQTT), in or next to the namespace, and the
         * broker's own MQTT state. Artemis' permission check refuses the first ones before the plugin sees the
         * PUBLISH; the MQTT 5 PUBACK still carries {@code forbidden}, and MQTT 3.1.1 gets exactly one error envelope
         * (SPEC §10.9).
         */
        @Test
        void publishesToTopicsWithTheCoreWildcardCharacterAreRefused() throws Exception {
            // The last one names an address Artemis has (its MQTT session store): there the plugin refuses and reports.
            List<String> topics = List.of("relay/v1/inbox/*", "*/v1/inbox/" + victim.keyId(), "relay/*/sys",
                    "$sys/mqtt/sessions");
            try (MqttClients.V5 attacker = new MqttClients.V5(broker, mallory.keyId().toString(),
                    mallory.keyId().toString(), token(mallory), true)) {
                attacker.subscribeOwnInbox();
                for (String topic : topics) {
                    RelayBinding.Sent sent = attacker.publish(topic, message(mallory, victim, "fan out").toJson(), 1,
                            false);
                    assertThat(sent.refused()).as(topic).isTrue();
                    assertThat(attacker.lastReasonCode()).as(topic).isEqualTo(0x87);
                    assertThat(sent.reasonString()).as(topic).startsWith("forbidden:");
                    assertThat(attacker.receive(Duration.ofMillis(500))).as("no error envelope for %s", topic).isNull();
                }
                assertThat(attacker.isConnected()).isTrue();
            }
            V3Raw attacker = V3Raw.connect(mallory, mallory.keyId().toString(), null, null, false);
            try {
                attacker.client.subscribe("relay/v1/inbox/" + mallory.keyId(), 1).waitForCompletion(WAIT.toMillis());
                attacker.client.publish("relay/v1/inbox/*", message(mallory, victim, "3.1.1").toJson(), 1, false)
                        .waitForCompletion(WAIT.toMillis());
                // MQTT 3.1.1 has no negative PUBACK: the error envelope is all the device learns.
                assertErrorEnvelope(attacker.received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS), "forbidden");
            } finally {
                attacker.close();
            }
            assertNoOneElseHarmed();
        }

        @Test
        void theVictimsClientIdWithTheAttackersOwnTokenIsBadClientIdAndTakesNothingOver() throws Exception {
            // The victim is online with a persistent session; a successful takeover would disconnect it and inherit
            // its session.
            try (MqttClients.V5 online = new MqttClients.V5(broker, victim.keyId().toString(),
                    victim.keyId().toString(), token(victim), false)) {
                for (String clientId : List.of(victim.keyId().toString(), victim.keyId() + ".phone")) {
                    Throwable refused = catchThrowable(() -> new MqttClients.V5(broker, clientId,
                            mallory.keyId().toString(), token(mallory), false).close());
                    assertThat(refused).as(clientId).isInstanceOf(MqttException.class);
                    assertThat(((MqttException) refused).getReasonCode()).as(clientId).isEqualTo(0x85);
                    Throwable refused3 = catchThrowable(() -> new MqttClients.V3(broker, clientId,
                            mallory.keyId().toString(), token(mallory), false).close());
                    assertThat(refused3).as(clientId).isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
                    assertThat(((org.eclipse.paho.client.mqttv3.MqttException) refused3).getReasonCode()).as(clientId)
                            .isEqualTo(2);
                }
                assertThat(online.isConnected()).as("victim's session not taken over").isTrue();
            }
            assertNoOneElseHarmed();
        }
    }

    // ------------------------------------------------------------------------------------------------ core

    @Nested
    class Core {

        @Test
        void queuesAndAddressesCannotBeCreatedInTheNamespace() throws Exception {
            try (CoreSession attacker = core(mallory)) {
                ClientSession session = attacker.session;
                assertThatThrownBy(() -> session.createQueue(QueueConfiguration.of("stolen").setAddress(victimInbox)
                        .setRoutingType(RoutingType.ANYCAST))).isInstanceOf(ActiveMQSecurityException.class);
                assertThatThrownBy(() -> session.createQueue(QueueConfiguration.of("copy").setAddress(victimInbox)
                        .setRoutingType(RoutingType.MULTICAST).setDurable(false)))
                        .isInstanceOf(ActiveMQSecurityException.class);
                assertThatThrownBy(() -> session.createSharedQueue(QueueConfiguration.of("requests")
                        .setAddress("relay.v1.sys").setRoutingType(RoutingType.ANYCAST)))
                        .isInstanceOf(ActiveMQSecurityException.class);
                assertThatThrownBy(() -> session.createAddress(SimpleString.of("relay.v1.mallory"),
                        RoutingType.ANYCAST, false)).isInstanceOf(ActiveMQSecurityException.class);
            }
            assertThat(broker.server().locateQueue("stolen")).isNull();
            assertThat(broker.server().locateQueue("copy")).isNull();
            assertThat(broker.server().getAddressInfo(SimpleString.of("relay.v1.mallory"))).isNull();
            assertNoOneElseHarmed();
        }

        @Test
        void browsersAndFilteredConsumersOnAnotherInboxOrTheSharedQueuesAreRefused() throws Exception {
            try (CoreSession attacker = core(mallory)) {
                for (String queue : List.of(victimInbox, "relay.v1.sys", "relay.v1.expired", "relay.v1.dead")) {
                    assertThatThrownBy(() -> attacker.session.createConsumer(queue, null, true)).as("browse %s", queue)
                            .isInstanceOf(ActiveMQSecurityException.class);
                    assertThatThrownBy(() -> attacker.session.createConsumer(queue,
                            "relay_from = '" + friend.keyId() + "'")).as("filter %s", queue)
                            .isInstanceOf(ActiveMQSecurityException.class);
                }
            }
            assertNoOneElseHarmed();
        }

        @Test
        void managementMessagesCannotPurgeOrDestroyTheVictimsInbox() throws Exception {
            try (CoreSession attacker = core(mallory)) {
                ClientMessage purge = attacker.session.createMessage(true);
                ManagementHelper.putOperationInvocation(purge, "queue." + victimInbox, "removeAllMessages");
                ClientMessage destroy = attacker.session.createMessage(true);
                ManagementHelper.putOperationInvocation(destroy, "broker", "destroyQueue", victimInbox, true);
                try (ClientProducer producer = attacker.session.createProducer("activemq.management")) {
                    assertThatThrownBy(() -> producer.send(purge)).isInstanceOf(ActiveMQSecurityException.class);
                    assertThatThrownBy(() -> producer.send(destroy)).isInstanceOf(ActiveMQSecurityException.class);
                }
            }
            assertNoOneElseHarmed();
        }

        @Test
        void wildcardAndMulticastSendsCannotFanOutIntoInboxes() throws Exception {
            Envelope own = message(mallory, victim, "to every inbox");
            try (CoreSession attacker = core(mallory)) {
                for (String address : List.of("relay.v1.inbox.*", "relay.v1.#", "multicast://" + victimInbox)) {
                    ClientMessage spam = attacker.session.createMessage(ClientMessage.BYTES_TYPE, true);
                    spam.getBodyBuffer().writeBytes(own.toJson());
                    try (ClientProducer producer = attacker.session.createProducer(address)) {
                        assertThatThrownBy(() -> producer.send(spam)).as(address)
                                .isInstanceOf(ActiveMQSecurityException.class).hasMessageStartingWith("forbidden:");
                    }
                }
                ClientMessage multicast = attacker.session.createMessage(ClientMessage.BYTES_TYPE, true);
                multicast.getBodyBuffer().writeBytes(own.toJson());
                multicast.setRoutingType(RoutingType.MULTICAST);
                try (ClientProducer producer = attacker.session.createProducer(victimInbox)) {
                    assertThatThrownBy(() -> producer.send(multicast)).as("routing type MULTICAST")
                            .isInstanceOf(org.apache.activemq.artemis.api.core.ActiveMQException.class);
                }
            }
            assertNoOneElseHarmed();
        }
    }

    // ------------------------------------------------------------------------------------------------ every protocol

    /**
     * An inbox whose key id passes the text rules but is no Ed25519 key (SPEC §1.1 rule 3) can never be read: every
     * protocol's send there is refused as {@code malformed} (SPEC §3.7; the codes per protocol are relay-tck's
     * AttackSuite), the AMQP forms as SPEC §10.9 describes them, and the broker never gets an address of that name.
     */
    @Test
    void anInboxOfAKeyIdThatIsNoKeyIsMalformedOnEveryProtocolAndNeverCreated() throws Exception {
        String noKey = "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"; // y = 2: no point of the curve
        String inbox = "relay.v1.inbox." + noKey;
        byte[] toNoOne = Envelope.builder(Kind.MESSAGE).to(noKey).body("no one can read this").sign(mallory).toJson();
        try (Connection attacker = amqp(mallory)) {
            Rejected rejected = rejectedSend(attacker.openAnonymousSender(), Message.create(toNoOne).to(inbox));
            assertThat(rejected.getCondition()).isEqualTo(UNAUTHORIZED);
            assertThat(rejected.getDescription()).startsWith("malformed: ");
        }
        try (Connection attacker = amqp(mallory)) {
            assertAttachClosed(attacker.openSender(inbox).openFuture(), "amqp:internal-error", "malformed: ");
        }
        try (Connection attacker = amqp(mallory)) {
            assertAttachClosed(attacker.openReceiver(inbox).openFuture(), UNAUTHORIZED, "malformed: ");
        }
        try (StompClient attacker = stomp(mallory)) {
            assertThat(attacker.sendTo(inbox, toNoOne).reasonString()).startsWith("malformed: ");
            assertThat(subscribe(attacker, Map.of("destination", inbox)).header("message")).startsWith("malformed: ");
        }
        for (ArtemisBinding.Protocol protocol : List.of(ArtemisBinding.Protocol.MQTT5, ArtemisBinding.Protocol.MQTT311)) {
            try (ArtemisClient attacker = connect(protocol, mallory)) {
                attacker.subscribeOwnInbox();
                RelayBinding.Sent sent = attacker.publishToInbox(noKey, toNoOne);
                if (protocol == ArtemisBinding.Protocol.MQTT5) {
                    assertThat(sent.reasonString()).as("MQTT 5 PUBACK").startsWith("malformed: ");
                } else {
                    assertErrorEnvelope(attacker.receive(WAIT), "malformed");
                }
            }
        }
        try (CoreSession attacker = core(mallory); ClientProducer producer = attacker.session.createProducer(inbox)) {
            ClientMessage envelope = attacker.session.createMessage(ClientMessage.BYTES_TYPE, true);
            envelope.getBodyBuffer().writeBytes(toNoOne);
            // Core sends to a missing address reach the plugin's send check without creating it.
            assertThatThrownBy(() -> producer.send(envelope))
                    .isInstanceOf(org.apache.activemq.artemis.api.core.ActiveMQException.class)
                    .hasMessageStartingWith("malformed: ");
        }
        assertThat(broker.server().getAddressInfo(SimpleString.of(inbox))).as("an address for no key").isNull();
        assertNoOneElseHarmed();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void assertNoOneElseHarmed() throws Exception {
        scene.assertNoOneElseHarmed();
    }

    private List<String> queueNamesOn(String address) throws Exception {
        return scene.queueNamesOn(address);
    }

    private static void assertErrorEnvelope(byte[] payload, String code) throws Exception {
        assertThat(payload).as("error envelope").isNotNull();
        Envelope error = Envelope.parse(payload);
        assertThat(error.kind()).isEqualTo(Kind.ERROR);
        assertThat(Json.readObject(error.body(), "error").get("code").asText()).isEqualTo(code);
    }

    private static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return AttackScene.message(from, to, text);
    }

    private static ArtemisClient connect(ArtemisBinding.Protocol protocol, RelayKeyPair key) throws Exception {
        return new ArtemisBinding(broker, protocol).connect(key);
    }

    private static String token(RelayKeyPair key) {
        return ArtemisBinding.token(broker, key);
    }

    // AMQP

    private static ConnectionOptions options() {
        return new ConnectionOptions().openTimeout(10, TimeUnit.SECONDS).sendTimeout(10, TimeUnit.SECONDS)
                .requestTimeout(10, TimeUnit.SECONDS);
    }

    private static Connection amqp(RelayKeyPair key) throws Exception {
        ConnectionOptions options = options().user(key.keyId().toString()).password(token(key));
        options.saslOptions().addAllowedMechanism("PLAIN");
        Connection connection = AMQP.connect(broker.amqpHost(), broker.amqpPort(), options);
        connection.openFuture().get(10, TimeUnit.SECONDS);
        return connection;
    }

    /** Why a connection did not open, or null if it opened. */
    private static Throwable openFailure(ConnectionOptions options) throws Exception {
        Connection connection = AMQP.connect(broker.amqpHost(), broker.amqpPort(), options);
        try {
            connection.openFuture().get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException refused) {
            return refused.getCause();
        } finally {
            connection.close();
        }
    }

    /**
     * The broker closed the link at attach with {@code condition}, naming the Artemis permission it did not grant
     * (Artemis words the description; the relay's security manager decided).
     */
    private static void assertAttachRefused(Future<?> opened, String condition, String permission) {
        assertAttachClosed(opened, condition, "permission='" + permission + "'");
    }

    /** The broker closed the link at attach with {@code condition} and a description containing {@code text}. */
    private static void assertAttachClosed(Future<?> opened, String condition, String text) {
        Throwable thrown = catchThrowable(() -> opened.get(10, TimeUnit.SECONDS));
        assertThat(thrown).as("link attach refused").isInstanceOf(ExecutionException.class);
        assertThat(thrown.getCause()).isInstanceOf(ClientResourceRemotelyClosedException.class);
        ErrorCondition error = ((ClientResourceRemotelyClosedException) thrown.getCause()).getErrorCondition();
        assertThat(error).as("error condition of %s", thrown.getCause()).isNotNull();
        assertThat(error.condition()).as("condition: %s", error.description()).isEqualTo(condition);
        assertThat(error.description()).contains(text);
    }

    private static Rejected rejectedSend(Sender sender, Message<?> message) throws Exception {
        Tracker tracker = sender.send(message);
        tracker.awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(tracker.remoteState()).as("outcome of a send to %s", message.to()).isInstanceOf(Rejected.class);
        return (Rejected) tracker.remoteState();
    }

    // STOMP

    private static StompClient stomp(RelayKeyPair key) throws Exception {
        return StompClient.connect(broker, key.keyId().toString(), token(key));
    }

    /** STOMP 1.1 header escaping: a raw ':' in a value would be cut by the broker's frame parser. */
    private static String stompEscaped(String value) {
        return value.replace(":", "\\c");
    }

    private static StompClient.Frame subscribe(StompClient client, Map<String, String> attempt) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("id", "attack");
        headers.put("ack", "client-individual");
        headers.putAll(attempt);
        return client.request("SUBSCRIBE", headers, null);
    }

    // MQTT

    record SubscribeResult(boolean refused, String reasonString) {
    }

    private static MqttConnectionOptions v5Options(RelayKeyPair key, boolean cleanStart) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(key.keyId().toString());
        options.setPassword(token(key).getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(cleanStart);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout((int) WAIT.toSeconds());
        return options;
    }

    /** One MQTT 5 SUBSCRIBE on a fresh connection: refused if a code >= 0x80 came back or the broker hung up. */
    private static SubscribeResult subscribeV5(RelayKeyPair key, String filter) throws Exception {
        var client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(broker.mqttUri(), key.keyId().toString(),
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        try {
            client.connect(v5Options(key, true)).waitForCompletion(WAIT.toMillis());
            var token = client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
            token.waitForCompletion(WAIT.toMillis());
            int[] codes = token.getReasonCodes();
            boolean refused = codes == null || codes.length == 0 || codes[0] >= 0x80;
            var properties = token.getResponseProperties();
            return new SubscribeResult(refused, properties == null ? null : properties.getReasonString());
        } catch (MqttException closedByBroker) {
            return new SubscribeResult(true, null);
        } finally {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(WAIT.toMillis());
                }
            } catch (MqttException alreadyClosed) {
                // the broker closes the connection after a refused SUBSCRIBE
            }
            client.close(true);
        }
    }

    /** A bare MQTT 3.1.1 client (clean session), for wills and retained publishes. */
    private record V3Raw(org.eclipse.paho.client.mqttv3.MqttAsyncClient client,
                         java.util.concurrent.BlockingQueue<byte[]> received) {

        /** Connects; {@code willTopic} null for no will (the will is QoS 1, retained as asked). */
        static V3Raw connect(RelayKeyPair key, String clientId, String willTopic, byte[] will, boolean retained)
                throws Exception {
            var client = new org.eclipse.paho.client.mqttv3.MqttAsyncClient(broker.mqttUri(), clientId,
                    new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
            java.util.concurrent.BlockingQueue<byte[]> received = new java.util.concurrent.LinkedBlockingQueue<>();
            client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                    received.add(message.getPayload().clone());
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
            var options = new org.eclipse.paho.client.mqttv3.MqttConnectOptions();
            options.setMqttVersion(org.eclipse.paho.client.mqttv3.MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setUserName(key.keyId().toString());
            options.setPassword(token(key).toCharArray());
            options.setCleanSession(true);
            options.setAutomaticReconnect(false);
            if (willTopic != null) {
                options.setWill(willTopic, will, 1, retained);
            }
            client.connect(options).waitForCompletion(WAIT.toMillis());
            return new V3Raw(client, received);
        }

        void close() throws Exception {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(WAIT.toMillis());
                }
            } finally {
                client.close(true);
            }
        }
    }

    // core

    private static final class CoreSession implements AutoCloseable {
        final ServerLocator locator;
        final ClientSessionFactory factory;
        final ClientSession session;

        CoreSession(RelayKeyPair key) throws Exception {
            locator = ActiveMQClient.createServerLocator(broker.coreUri());
            factory = locator.createSessionFactory();
            session = factory.createSession(key.keyId().toString(), token(key), false, true, true, false, 0);
            session.start();
        }

        @Override
        public void close() throws Exception {
            session.close();
            factory.close();
            locator.close();
        }
    }

    private static CoreSession core(RelayKeyPair key) throws Exception {
        return new CoreSession(key);
    }
}
