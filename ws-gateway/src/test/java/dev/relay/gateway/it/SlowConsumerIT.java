package dev.relay.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.gateway.RelayGateway;
import dev.relay.hivemq.it.Clients;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
 * A WebSocket client that stops reading (SPEC §13.5), on embedded Artemis: Artemis hands a session as many
 * unacknowledged messages as its receive maximum allows, so a backlog builds up in the gateway and on the socket.
 * (HiveMQ CE hands a session one unacknowledged QoS 1 message at a time, so there a silent client only ever holds one.)
 */
class SlowConsumerIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static BrokerUnderTest broker;

    @BeforeAll
    static void startBroker() {
        broker = BrokerUnderTest.artemis(BrokerUnderTest.UNTHROTTLED);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private static WsClient agent(RelayGateway gateway, RelayKeyPair key, String session) throws Exception {
        return WsClient.authenticated(gateway.uri(), key, broker.realm(), session);
    }

    @Test
    void aClientThatNeverReadsIsCutOffWithMemoryBoundedOthersUnaffectedAndNothingLost() throws Exception {
        long maxInFlight = 64 * 1024;
        int messages = 150;
        try (RelayGateway gateway = broker.startGateway(b -> b.maxBytesInFlight(maxInFlight).maxUnacked(128)
                .slowConsumerTimeout(Duration.ofSeconds(3)).writeStallTimeout(Duration.ofSeconds(6)));
             Device device = new Device(broker);
             WsClient bystander = agent(gateway, RelayKeyPair.generate(), null)) {
            RelayKeyPair slowKey = RelayKeyPair.generate();
            Socket slow = neverReadingClient(gateway, slowKey);
            long tcpWithSlow = gateway.metrics().tcpConnections();

            AtomicLong highestInFlight = new AtomicLong();
            List<Long> pingMillis = new ArrayList<>();
            ExecutorService producer = Executors.newSingleThreadExecutor();
            Set<String> sent = new HashSet<>();
            Future<?> production = producer.submit(() -> {
                byte[] body = new byte[64 * 1024]; // ~88 KB envelopes: below Artemis' large-message threshold
                for (int i = 0; i < messages; i++) {
                    body[0] = (byte) i;
                    Envelope envelope = Envelope.builder(Kind.MESSAGE).to(slowKey.keyId()).body(body).sign(device.key);
                    sent.add(envelope.id());
                    // publishToInbox through the device's own client (QoS 1, waits for the PUBACK)
                    device.publish(slowKey, envelope);
                }
                return null;
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            while (System.nanoTime() < deadline && gateway.metrics().closes(4508) == 0) {
                highestInFlight.accumulateAndGet(gateway.metrics().bytesInFlight(), Math::max);
                long start = System.nanoTime();
                bystander.send("{\"type\":\"ping\"}");
                assertThat(bystander.next("pong", Duration.ofSeconds(2))).as("bystander's pong").isNotNull();
                pingMillis.add((System.nanoTime() - start) / 1_000_000);
                Thread.sleep(50);
            }
            production.get();
            producer.shutdown();
            assertThat(gateway.metrics().closes(4508)).as("slow consumer closed (highest in flight %d; %s)",
                    highestInFlight.get(), gateway.metrics().toJson()).isEqualTo(1);
            // The bytes the gateway had handed to the network stayed near the limit: one frame over it at most.
            assertThat(highestInFlight.get()).isLessThan(maxInFlight + 100 * 1024);
            assertThat(pingMillis).allMatch(ms -> ms < 2000);
            // The socket that would not read is dropped by the write-stall watchdog.
            long dropDeadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (gateway.metrics().tcpConnections() >= tcpWithSlow && System.nanoTime() < dropDeadline) {
                Thread.sleep(100);
            }
            assertThat(gateway.metrics().tcpConnections()).as("TCP connections").isLessThan(tcpWithSlow);
            slow.close();

            // Nothing was acknowledged, so every message is still waiting for the slow identity.
            Set<String> received = new HashSet<>();
            try (WsClient back = agent(gateway, slowKey, null)) {
                while (received.size() < messages) {
                    JsonNode message = back.next("message", WAIT);
                    assertThat(message).as("message %d of %d", received.size() + 1, messages).isNotNull();
                    received.add(WsClient.envelopeOf(message).id());
                    back.ack(message.get("delivery").asLong());
                }
            }
            assertThat(received).isEqualTo(sent);
        }
    }


    /** A WebSocket client (raw socket, tiny receive buffer) that completes the handshake and then never reads. */
    private static Socket neverReadingClient(RelayGateway gateway, RelayKeyPair key) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
        String keyHeader = Base64.getEncoder().encodeToString(new byte[16]);
        String request = "GET " + gateway.config().path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + gateway.port() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + keyHeader + "\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: relay.v1\r\n"
                + "Authorization: Relay " + key.keyId() + " " + Clients.token(key, broker.realm()) + "\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
        }
        assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (gateway.sessionsOf(key.keyId().toString()) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(gateway.sessionsOf(key.keyId().toString())).as("slow client's session").isEqualTo(1);
        return socket;
    }

}
