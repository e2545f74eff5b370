package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;
import org.apache.activemq.artemis.api.core.ActiveMQSecurityException;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.api.core.client.ClientConsumer;
import org.apache.activemq.artemis.api.core.client.ClientMessage;
import org.apache.activemq.artemis.api.core.client.ClientProducer;
import org.apache.activemq.artemis.api.core.client.ClientSession;
import org.apache.activemq.artemis.api.core.client.ClientSessionFactory;
import org.apache.activemq.artemis.api.core.client.ServerLocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Artemis' own Core protocol: the same token, the same inboxes, the same refusals. */
class CoreProtocolIT {
    private static RelayArtemis broker;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static Envelope message(RelayKeyPair from, RelayKeyPair to, String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(from);
    }

    private static void send(ClientSession session, String address, byte[] payload) throws Exception {
        try (ClientProducer producer = session.createProducer(address)) {
            ClientMessage message = session.createMessage(ClientMessage.BYTES_TYPE, true); // envelope bytes (SPEC §11)
            message.getBodyBuffer().writeBytes(payload);
            producer.send(message);
        }
    }

    @Test
    void aCoreClientSendsReadsItsInboxAndIsRefusedElsewhere() throws Exception {
        RelayKeyPair core = RelayKeyPair.generate();
        RelayKeyPair peer = RelayKeyPair.generate();
        String token = ArtemisBinding.token(broker, core);
        try (ServerLocator locator = ActiveMQClient.createServerLocator(broker.coreUri());
             ClientSessionFactory factory = locator.createSessionFactory();
             ClientSession session = factory.createSession(core.keyId().toString(), token, false, true, true, false, 0);
             ArtemisClient amqp = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(peer)) {
            session.start();
            amqp.subscribeOwnInbox();
            Envelope hello = message(core, peer, "over core");
            send(session, "relay.v1.inbox." + peer.keyId(), hello.toJson());
            assertThat(amqp.receive(Duration.ofSeconds(10))).isEqualTo(hello.toJson());

            Envelope answer = message(peer, core, "back to core");
            amqp.publishToInbox(core.keyId().toString(), answer.toJson());
            try (ClientConsumer consumer = session.createConsumer("relay.v1.inbox." + core.keyId())) {
                ClientMessage received = consumer.receive(10_000);
                byte[] body;
                if (received.getType() == ClientMessage.TEXT_TYPE) {
                    // Artemis converts an AMQP data section sent as application/json to a core text message.
                    body = received.getBodyBuffer().readNullableSimpleString().toString()
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                } else {
                    body = new byte[received.getBodyBuffer().readableBytes()];
                    received.getBodyBuffer().readBytes(body);
                }
                received.acknowledge();
                assertThat(body).isEqualTo(answer.toJson());
            }

            assertThatThrownBy(() -> send(session, "relay.v1.inbox." + peer.keyId(), message(peer, peer, "forged").toJson()))
                    .isInstanceOf(ActiveMQSecurityException.class).hasMessageStartingWith("sender_mismatch:");
            assertThatThrownBy(() -> session.createConsumer("relay.v1.inbox." + peer.keyId()))
                    .isInstanceOf(ActiveMQSecurityException.class);
            assertThatThrownBy(() -> session.deleteQueue("relay.v1.inbox." + peer.keyId()))
                    .isInstanceOf(ActiveMQSecurityException.class);
            assertThat(broker.server().locateQueue("relay.v1.inbox." + peer.keyId())).isNotNull();
        }
        try (ServerLocator locator = ActiveMQClient.createServerLocator(broker.coreUri());
             ClientSessionFactory factory = locator.createSessionFactory()) {
            assertThatThrownBy(() -> factory.createSession(core.keyId().toString(), token, false, true, true, false, 0))
                    .as("the token was used").isInstanceOf(ActiveMQSecurityException.class);
        }
    }
}
