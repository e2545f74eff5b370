package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.activemq.artemis.api.core.ActiveMQSecurityException;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.apache.qpid.protonj2.client.Client;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.ConnectionOptions;
import org.apache.qpid.protonj2.client.exceptions.ClientResourceRemotelyClosedException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With {@code relay.namespace.allow-outside=true} clients may use names outside {@code relay.v1.}: the attacks here
 * use such "outside" names that Artemis resolves back into the namespace (core wildcard words, the {@code *} that MQTT
 * treats as text) or into the broker itself (management, notifications, MQTT session and retain state). Every one is
 * refused, and the victim of {@link AttackScene} is unharmed.
 */
class ArtemisOutsideNamespaceAttacksIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Client AMQP = Client.create();

    private static RelayArtemis broker;
    private AttackScene scene;
    private RelayKeyPair mallory;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start(Map.of("relay.namespace.allow-outside", "true"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @BeforeEach
    void victimWithAWaitingMessage() throws Exception {
        scene = AttackScene.victimWithAWaitingMessage(broker);
        mallory = RelayKeyPair.generate();
    }

    private String victimKey() {
        return scene.victim.keyId().toString();
    }

    /** MQTT filters on the broker's own state (management, notifications, MQTT sessions and retained messages). */
    @Test
    void mqttFiltersOnBrokerStateAreRefused() throws Exception {
        for (String filter : List.of("$sys/mqtt/retain/#", "$sys/mqtt/sessions", "activemq/management",
                "activemq/notifications", "$sys/mqtt/retain/relay/v1/inbox/" + victimKey())) {
            assertThat(subscribeV5(filter)).as(filter).isGreaterThanOrEqualTo(0x80);
        }
        scene.assertNoOneElseHarmed();
    }

    @Test
    void mqttPublishesToBrokerStateAreRefused() throws Exception {
        try (MqttClients.V5 attacker = new MqttClients.V5(broker, mallory.keyId().toString(),
                mallory.keyId().toString(), token(mallory), true)) {
            attacker.subscribeOwnInbox();
            for (String topic : List.of("$sys/mqtt/sessions", "activemq/management",
                    "$sys/mqtt/retain/relay/v1/inbox/" + victimKey())) {
                var sent = attacker.publish(topic, AttackScene.message(mallory, scene.victim, "x").toJson(), 1, false);
                assertThat(sent.refused()).as(topic).isTrue();
                assertThat(attacker.lastReasonCode()).as(topic).isEqualTo(0x87);
                assertThat(sent.reasonString()).as(topic).startsWith("forbidden:");
                assertThat(attacker.receive(Duration.ofMillis(500))).as("no error envelope for %s: the PUBACK said it",
                        topic).isNull();
            }
            assertThat(attacker.isConnected()).isTrue();
        }
        scene.assertNoOneElseHarmed();
    }

    /**
     * {@code *} is a wildcard word in core names but plain text in MQTT, and Artemis escapes it when it converts a
     * topic: a topic whose first level is {@code *} and whose other levels are {@code v1/inbox/<victim>} is an
     * ordinary outside topic, which this operator allows. The attacker's subscription and publish work on that topic
     * and never touch the victim's inbox.
     */
    @Test
    void mqttTopicsWithACoreWildcardCharacterStayOrdinaryOutsideTopics() throws Exception {
        String lookalike = "*/v1/inbox/" + victimKey();
        try (MqttClients.V5 attacker = new MqttClients.V5(broker, mallory.keyId().toString(),
                mallory.keyId().toString(), token(mallory), true)) {
            assertThat(attacker.tryConsume(lookalike.replace('/', '.'))).as("SUBSCRIBE %s", lookalike).isTrue();
            byte[] own = "not an envelope".getBytes(StandardCharsets.UTF_8);
            assertThat(attacker.publish(lookalike, own, 1, false).refused()).isFalse();
            assertThat(attacker.receive(WAIT)).as("its own publish, on its own topic").isEqualTo(own);
            assertThat(attacker.receive(Duration.ofSeconds(1))).as("nothing of the victim's").isNull();
        }
        scene.assertNoOneElseHarmed();
    }

    @Test
    void amqpLinksOnBrokerInternalOrWildcardNamesAreRefused() throws Exception {
        for (String source : List.of("activemq.management", "activemq.notifications", "$sys.mqtt.sessions",
                "$sys.mqtt.retain." + scene.victimInbox, "*.v1.inbox." + victimKey(), "*.#", "#")) {
            try (Connection attacker = amqp(mallory)) {
                Throwable refused = catchThrowable(() -> attacker.openReceiver(source).openFuture()
                        .get(10, TimeUnit.SECONDS));
                assertThat(refused).as(source).isInstanceOf(ExecutionException.class);
                assertThat(refused.getCause()).as(source).isInstanceOf(ClientResourceRemotelyClosedException.class);
                assertThat(((ClientResourceRemotelyClosedException) refused.getCause()).getErrorCondition()
                        .description()).as(source).contains(expectedRefusal(source));
            }
        }
        for (String target : List.of("activemq.management", "*.v1.inbox." + victimKey(), "*.#")) {
            try (Connection attacker = amqp(mallory)) {
                Throwable refused = catchThrowable(() -> attacker.openSender(target).openFuture()
                        .get(10, TimeUnit.SECONDS));
                assertThat(refused).as(target).isInstanceOf(ExecutionException.class);
                assertThat(((ClientResourceRemotelyClosedException) refused.getCause()).getErrorCondition()
                        .description()).as(target).contains(expectedRefusal(target));
            }
        }
        scene.assertNoOneElseHarmed();
    }

    @Test
    void stompSubscriptionsAndSendsOnBrokerInternalOrWildcardNamesAreRefused() throws Exception {
        for (String destination : List.of("activemq.management", "$sys.mqtt.sessions", "*.v1.inbox." + victimKey(),
                "*.#")) {
            try (StompClient attacker = StompClient.connect(broker, mallory.keyId().toString(), token(mallory))) {
                assertThat(attacker.tryConsume(destination)).as("SUBSCRIBE %s", destination).isFalse();
            }
            try (StompClient attacker = StompClient.connect(broker, mallory.keyId().toString(), token(mallory))) {
                assertThat(attacker.sendTo(destination, AttackScene.message(mallory, scene.victim, "x").toJson())
                        .refused()).as("SEND %s", destination).isTrue();
            }
        }
        scene.assertNoOneElseHarmed();
    }

    @Test
    void coreWildcardSendsAndManagementAreRefused() throws Exception {
        try (ServerLocator locator = ActiveMQClient.createServerLocator(broker.coreUri());
             ClientSessionFactory factory = locator.createSessionFactory();
             ClientSession session = factory.createSession(mallory.keyId().toString(), token(mallory), false, true,
                     true, false, 0)) {
            for (String address : List.of("*.v1.inbox." + victimKey(), "*.#", "#")) {
                ClientMessage spam = session.createMessage(ClientMessage.BYTES_TYPE, true);
                spam.getBodyBuffer().writeBytes(AttackScene.message(mallory, scene.victim, "fan out").toJson());
                try (ClientProducer producer = session.createProducer(address)) {
                    assertThatThrownBy(() -> producer.send(spam)).as(address)
                            .isInstanceOf(ActiveMQSecurityException.class);
                }
            }
            ClientMessage purge = session.createMessage(true);
            org.apache.activemq.artemis.api.core.management.ManagementHelper.putOperationInvocation(purge,
                    "queue." + scene.victimInbox, "removeAllMessages");
            try (ClientProducer producer = session.createProducer("activemq.management")) {
                assertThatThrownBy(() -> producer.send(purge)).isInstanceOf(ActiveMQSecurityException.class);
            }
        }
        scene.assertNoOneElseHarmed();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /**
     * Broker-internal names are refused by Artemis' permission check; wildcards that could reach the namespace by the
     * relay, before Artemis creates such an address, with its reason.
     */
    private static String expectedRefusal(String name) {
        return name.contains("*") || name.contains("#") ? "forbidden: '" : "does not have permission";
    }

    private static String token(RelayKeyPair key) {
        return ArtemisBinding.token(broker, key);
    }

    private static Connection amqp(RelayKeyPair key) throws Exception {
        ConnectionOptions options = new ConnectionOptions().user(key.keyId().toString()).password(token(key))
                .openTimeout(10, TimeUnit.SECONDS).requestTimeout(10, TimeUnit.SECONDS);
        options.saslOptions().addAllowedMechanism("PLAIN");
        Connection connection = AMQP.connect(broker.amqpHost(), broker.amqpPort(), options);
        connection.openFuture().get(10, TimeUnit.SECONDS);
        return connection;
    }

    /** One MQTT 5 SUBSCRIBE of mallory on a fresh connection: the SUBACK code, or 0x80 if the broker hung up. */
    private int subscribeV5(String filter) throws Exception {
        var client = new org.eclipse.paho.mqttv5.client.MqttAsyncClient(broker.mqttUri(), mallory.keyId().toString(),
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(mallory.keyId().toString());
        options.setPassword(token(mallory).getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        try {
            client.connect(options).waitForCompletion(WAIT.toMillis());
            var token = client.subscribe(new MqttSubscription[] {new MqttSubscription(filter, 1)});
            token.waitForCompletion(WAIT.toMillis());
            int[] codes = token.getReasonCodes();
            return codes == null || codes.length == 0 ? 0x80 : codes[0];
        } catch (MqttException closedByBroker) {
            return 0x80;
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
}
