package dev.relay.gateway.it;

import static dev.relay.gateway.it.GatewayContract.assertClosed;
import static dev.relay.gateway.it.GatewayContract.handshakeStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.gateway.GatewayConfig;
import dev.relay.gateway.RelayGateway;
import dev.relay.hivemq.it.Clients;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's limits and abuse handling (SPEC §13.5, §13.6) on embedded HiveMQ with the extension: each test starts
 * its own gateway with the limits it needs on the shared broker. The broker's own per-identity rate limit is raised so
 * that it does not hide the gateway's.
 */
class GatewayLimitsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static BrokerUnderTest broker;

    @BeforeAll
    static void startBroker() {
        broker = BrokerUnderTest.hivemq(BrokerUnderTest.UNTHROTTLED);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static WsClient agent(RelayGateway gateway, RelayKeyPair key, String session) throws Exception {
        return WsClient.authenticated(gateway.uri(), key, broker.realm(), session);
    }

    @Test
    void aFrameOverTheMaximumClosesWith1009() throws Exception {
        try (RelayGateway gateway = broker.startGateway(b -> b.maxFrameBytes(4096));
             WsClient client = agent(gateway, RelayKeyPair.generate(), null)) {
            client.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(5000) + "\"}");
            assertClosed(client, 1009, "");
            assertThat(gateway.metrics().sessionsOpen()).isZero();
        }
    }

    @Test
    void badFramesGetErrorFramesAndTooManyCloseTheConnectionWithoutTouchingOthers() throws Exception {
        try (RelayGateway gateway = broker.startGateway(b -> b);
             WsClient bystander = agent(gateway, RelayKeyPair.generate(), null);
             WsClient client = agent(gateway, RelayKeyPair.generate(), null)) {
            client.send("this is not json");
            assertThat(client.next("error").get("code").asText()).isEqualTo("bad_frame");
            client.send("{\"type\":\"dance\",\"ref\":\"d1\"}");
            JsonNode unknown = client.next("error");
            assertThat(unknown.get("code").asText()).isEqualTo("unknown_frame");
            assertThat(unknown.get("ref").asText()).isEqualTo("d1");
            client.send("{\"type\":\"ack\",\"delivery\":99}");
            JsonNode notFound = client.next("error");
            assertThat(notFound.get("code").asText()).isEqualTo("not_found");
            assertThat(notFound.get("ref").asText()).isEqualTo("99");
            client.send("{\"type\":\"send\",\"ref\":\"s\",\"envelope\":\"a string\"}");
            assertThat(client.next("error").get("code").asText()).isEqualTo("bad_frame");
            client.send("{\"type\":\"ping\",\"ref\":\"" + "r".repeat(65) + "\"}");
            assertThat(client.next("error").get("code").asText()).isEqualTo("bad_frame");
            client.send("[1,2,3]");
            assertThat(client.next("error").get("code").asText()).isEqualTo("bad_frame");
            client.send("{\"type\":\"ping\",\"type\":\"ping\"}");
            assertThat(client.next("error").get("code").asText()).isEqualTo("bad_frame");
            client.send("{\"type\":\"ping\",\"ref\":\"alive\"}");
            assertThat(client.next("pong").get("ref").asText()).isEqualTo("alive");
            for (int i = 0; i < 14; i++) {
                client.send("{\"nothing\":" + i + "}");
            }
            assertClosed(client, 1008, "20 bad frames");

            bystander.send("{\"type\":\"ping\",\"ref\":\"fine\"}");
            assertThat(bystander.next("pong").get("ref").asText()).isEqualTo("fine");
        }
    }

    @Test
    void aFrameFloodIsRefusedAndThenClosed() throws Exception {
        try (RelayGateway gateway = broker.startGateway(b -> b.framesPerSecond(20).frameBurst(20).maxRefusedFramesInARow(100));
             WsClient client = agent(gateway, RelayKeyPair.generate(), null)) {
            for (int i = 0; i < 300 && client.session().isOpen(); i++) {
                try {
                    client.send("{\"type\":\"ping\"}");
                } catch (java.io.IOException | IllegalStateException closedMeanwhile) {
                    break;
                }
            }
            JsonNode refused = client.next("error");
            assertThat(refused.get("code").asText()).isEqualTo("rate_limited");
            assertThat(refused.get("retry_after").asLong()).isPositive();
            // The client may see 1006 instead: it keeps sending after the close, and the server's reset can beat the
            // close frame. The gateway's own record says what it decided.
            assertThat(client.awaitClose().getCloseCode().getCode()).isIn(1008, 1006);
            assertThat(gateway.metrics().closes(1008)).isEqualTo(1);
            assertThat(gateway.metrics().refusals("rate_limited")).isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void sessionsPerIdentityAreLimitedAndTheSameSessionNameTakesOver() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        try (RelayGateway gateway = broker.startGateway(b -> b.maxSessionsPerIdentity(3));
             WsClient a = agent(gateway, key, "a");
             WsClient b = agent(gateway, key, "b");
             WsClient c = agent(gateway, key, "c")) {
            assertThat(gateway.sessionsOf(key.keyId().toString())).isEqualTo(3);
            try (WsClient d = WsClient.open(gateway.uri())) {
                JsonNode challenge = d.next("challenge");
                d.send(d.authFrame(key, broker.realm(), challenge.get("nonce").asText(), "d"));
                assertClosed(d, 4429, "too_many_sessions");
            }
            try (WsClient again = agent(gateway, key, "a")) {
                assertClosed(a, 4409, "session_taken_over");
                again.send("{\"type\":\"ping\",\"ref\":\"new-a\"}");
                assertThat(again.next("pong").get("ref").asText()).isEqualTo("new-a");
                assertThat(b.session().isOpen()).isTrue();
                assertThat(c.session().isOpen()).isTrue();
            }
        }
    }

    @Test
    void handshakesPerAddressAreLimitedWithHttp429() throws Exception {
        try (RelayGateway gateway = broker.startGateway(b -> b.handshakesPerWindow(3).handshakeWindow(Duration.ofSeconds(60)))) {
            for (int i = 0; i < 3; i++) {
                try (WsClient client = WsClient.open(gateway.uri())) {
                    assertThat(client.next("challenge")).isNotNull();
                }
            }
            assertThat(handshakeStatus(gateway.uri(), Map.of())).isEqualTo(429);
            assertThat(gateway.metrics().connectionsOpen()).isZero();
        }
    }

    @Test
    void silentClientsAreClosedWith4408AndPingingOnesStay() throws Exception {
        try (RelayGateway gateway = broker.startGateway(b -> b.authTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(2)))) {
            try (WsClient mute = WsClient.open(gateway.uri())) {
                assertClosed(mute, 4408, "idle_timeout");
            }
            try (WsClient silent = agent(gateway, RelayKeyPair.generate(), null);
                 WsClient talker = agent(gateway, RelayKeyPair.generate(), null)) {
                for (int i = 0; i < 8; i++) {
                    talker.send("{\"type\":\"ping\"}");
                    Thread.sleep(500);
                }
                assertClosed(silent, 4408, "idle_timeout");
                assertThat(talker.session().isOpen()).isTrue();
            }
        }
    }

    @Test
    void healthFollowsTheBrokerAndMetricsCountSessionsFramesAndRefusals() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (RelayGateway gateway = broker.startGateway(b -> b); WsClient client = agent(gateway, RelayKeyPair.generate(), null)) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(gateway.httpUri().resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(health.body()).get("broker").asText()).isEqualTo("reachable");
            client.send("{\"type\":\"dance\"}");
            client.next("error");
            JsonNode metrics = Json.MAPPER.readTree(http.send(
                    HttpRequest.newBuilder(gateway.httpUri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            assertThat(metrics.get("sessions_open").asLong()).isEqualTo(1);
            assertThat(metrics.get("frames_in").asLong()).isGreaterThanOrEqualTo(2);
            assertThat(metrics.get("frames_out").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(metrics.path("refusals").get("unknown_frame").asLong()).isEqualTo(1);
        }
        URI nowhere = URI.create("tcp://127.0.0.1:" + freePort());
        try (RelayGateway orphan = RelayGateway.start(GatewayConfig.builder(broker.realm(), nowhere).port(0).build())) {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(orphan.httpUri().resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(503);
            try (WsClient client = WsClient.open(orphan.uri())) {
                JsonNode challenge = client.next("challenge");
                client.send(client.authFrame(RelayKeyPair.generate(), broker.realm(),
                        challenge.get("nonce").asText(), null));
                assertClosed(client, 1013, "internal: broker unavailable");
            }
        }
    }

    @Test
    void messagesWaitInTheBrokerWhileTheGatewayRestarts() throws Exception {
        RelayKeyPair key = RelayKeyPair.generate();
        int port;
        try (Device device = new Device(broker)) {
            try (RelayGateway first = broker.startGateway(b -> b); WsClient client = agent(first, key, null)) {
                port = first.port();
                first.close();
                assertClosed(client, 1001, "gateway shutting down");
            }
            Envelope one = device.send(key, "while the gateway was down 1");
            Envelope two = device.send(key, "while the gateway was down 2");
            try (RelayGateway second = broker.startGateway(b -> b.port(port)); WsClient client = agent(second, key, null)) {
                List<Envelope> received = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    JsonNode message = client.next("message");
                    assertThat(message).isNotNull();
                    received.add(WsClient.envelopeOf(message));
                    client.ack(message.get("delivery").asLong());
                }
                assertThat(received).containsExactly(one, two);
            }
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
