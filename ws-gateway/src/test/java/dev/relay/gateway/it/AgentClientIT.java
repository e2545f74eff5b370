package dev.relay.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.gateway.RelayGateway;
import dev.relay.agent.AgentException;
import dev.relay.agent.RelayAgent;
import dev.relay.client.ConnectionState;
import dev.relay.client.Incoming;
import dev.relay.client.RelayClientException;
import dev.relay.client.StreamReply;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java agent client against a real gateway on embedded HiveMQ, with MQTT devices on the other side. */
class AgentClientIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static BrokerUnderTest broker;
    private static RelayGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerUnderTest.hivemq(Map.of("relay.rate.sends-per-minute", "600", "relay.rate.burst", "600"));
        gateway = broker.startGateway(b -> b);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        broker.close();
    }

    private static RelayAgent.Builder agent(RelayKeyPair key) {
        return RelayAgent.builder().uri(gateway.uri()).key(key).expectedRealm(broker.realm())
                .backoff(Duration.ofMillis(200), Duration.ofSeconds(2));
    }

    @Test
    void anAgentWithAKeyFileReceivesVerifiedMessagesAndReplies(@TempDir Path folder) throws Exception {
        Path keyFile = folder.resolve("agent.key");
        BlockingQueue<Incoming> inbox = new LinkedBlockingQueue<>();
        try (RelayAgent agent = RelayAgent.builder().uri(gateway.uri()).keyFile(keyFile).expectedRealm(broker.realm())
                .onMessage(message -> {
                    inbox.add(message);
                    message.reply("fan is " + message.text().substring("fan ".length()));
                }).connect();
             Device device = new Device(broker)) {
            assertThat(Files.exists(keyFile)).isTrue();
            assertThat(agent.keyId()).isEqualTo(KeyFiles.load(keyFile).keyId());

            Envelope command = device.send(keyPairOf(keyFile), "fan on");
            Incoming received = inbox.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(received).isNotNull();
            assertThat(received.envelope()).isEqualTo(command);

            Envelope reply = device.receive(WAIT);
            assertThat(reply.from()).isEqualTo(agent.keyId().toString());
            assertThat(reply.inReplyTo()).isEqualTo(command.id());
            assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("fan is on");
        }
    }

    @Test
    void systemRequestHelpersReturnTheRelaysResults() throws Exception {
        try (RelayAgent agent = agent(RelayKeyPair.generate()).connect()) {
            JsonNode info = agent.relayInfo().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(info.get("realm").asText()).isEqualTo(broker.realm());
            assertThat(agent.relayKey()).isPresent();
            JsonNode policy = agent.policyGet().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(policy.has("mode")).as("policy.get result %s", policy).isTrue();
        }
    }

    @Test
    void aStreamedReplyArrivesTokenByTokenAndEndsWithTheFinalMessage() throws Exception {
        RelayKeyPair askerKey = RelayKeyPair.generate();
        List<Envelope> seen = new CopyOnWriteArrayList<>();
        BlockingQueue<Envelope> finals = new LinkedBlockingQueue<>();
        try (RelayAgent answerer = agent(RelayKeyPair.generate()).onMessage(question -> {
                StreamReply stream = question.streamReply();
                for (String token : new String[] {"The", " fan", " is", " on"}) {
                    stream.chunk(token);
                }
                stream.finish("The fan is on");
            }).connect();
             RelayAgent asker = agent(askerKey).onMessage(piece -> {
                 seen.add(piece.envelope());
                 if (piece.envelope().kind() == Kind.MESSAGE) {
                     finals.add(piece.envelope());
                 }
             }).connect()) {
            String questionId = asker.message(answerer.keyId(), RelayAgent.TEXT_PLAIN,
                    "is the fan on?".getBytes(StandardCharsets.UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            Envelope last = finals.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(last).isNotNull();
            assertThat(new String(last.body(), StandardCharsets.UTF_8)).isEqualTo("The fan is on");
            assertThat(seen).allMatch(e -> questionId.equals(e.inReplyTo()));
            assertThat(seen.stream().filter(e -> e.kind() == Kind.STREAM).map(Envelope::seq)).containsExactly(0, 1, 2, 3);
            assertThat(seen.get(seen.size() - 1)).isEqualTo(last);
        }
    }

    @Test
    void theAgentReconnectsWithBackoffAfterTheGatewayRestartsAndGetsWhatArrivedMeanwhile() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        BlockingQueue<Envelope> inbox = new LinkedBlockingQueue<>();
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        RelayGateway own = broker.startGateway(b -> b);
        int port = own.port();
        try (RelayAgent agent = RelayAgent.builder().uri(own.uri()).key(key).expectedRealm(broker.realm())
                .backoff(Duration.ofMillis(200), Duration.ofSeconds(1)).onStateChange(states::add)
                .onMessage(message -> inbox.add(message.envelope())).connect();
             Device device = new Device(broker)) {
            own.close();
            Envelope whileDown = device.send(key, "sent while the gateway was down");
            try (RelayGateway again = broker.startGateway(b -> b.port(port))) {
                assertThat(agent.awaitConnected(Duration.ofSeconds(15))).isTrue();
                assertThat(inbox.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(whileDown);
                assertThat(states).contains(ConnectionState.RECONNECTING, ConnectionState.CONNECTED);
            }
        }
    }

    @Test
    void aMessageWhoseHandlerThrowsComesAgainAfterAReconnectAndDoesNotHoldBackLaterOnes() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        List<String> handled = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean firstTime = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (RelayAgent agent = agent(key).onMessage(message -> {
                handled.add(message.text());
                if (firstTime.getAndSet(false)) {
                    throw new IllegalStateException("the model timed out");
                }
            }).connect();
             Device device = new Device(broker)) {
            device.send(key, "summarise the log");
            awaitSize(handled, 2); // failed, then again on the new connection
            device.send(key, "and the next one");
            awaitSize(handled, 3);

            assertThat(handled).containsExactly("summarise the log", "summarise the log", "and the next one");
            assertThat(agent.state()).isEqualTo(ConnectionState.CONNECTED);
        }
    }

    private static void awaitSize(List<?> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(list).as("within " + WAIT).hasSizeGreaterThanOrEqualTo(size);
    }

    @Test
    void aRefusedConnectFailsWithTheCodeAndARefusedSendWithItsCode() throws Exception {
        assertThatThrownBy(() -> RelayAgent.builder().uri(gateway.uri()).key(RelayKeyPair.generate())
                .expectedRealm("some-other-realm").reconnect(false).connect())
                .isInstanceOf(AgentException.class)
                .satisfies(e -> assertThat(((AgentException) e).code()).isEqualTo("bad_credentials"));
        RelayKeyPair key = RelayKeyPair.generate();
        try (RelayAgent agent = agent(key).connect()) {
            Envelope forged = Envelope.builder(Kind.MESSAGE).to(key.keyId()).body("x").sign(RelayKeyPair.generate());
            assertThatThrownBy(() -> agent.send(forged).get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(RelayClientException.class)
                    .satisfies(e -> assertThat(((RelayClientException) e.getCause()).code())
                            .isEqualTo("sender_mismatch"));
        }
    }

    private static RelayKeyPair keyPairOf(Path keyFile) throws Exception {
        return KeyFiles.load(keyFile);
    }
}
