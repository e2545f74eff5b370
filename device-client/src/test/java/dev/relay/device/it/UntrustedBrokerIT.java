package dev.relay.device.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.client.InboxDispatcher;
import dev.relay.client.ConnectionState;
import dev.relay.device.RelayDevice;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Base64Url;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.Kind;
import dev.relay.protocol.MessageId;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.stack.BrokerKind;
import dev.relay.stack.RelayStack;
import dev.relay.stack.StackOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The device client's own SPEC §3.8 checks, on a broker that checks nothing: bare HiveMQ (no Relay extension, no
 * authentication), where anyone may publish anything onto a device's inbox topic. Through a real Relay the relay refuses
 * forged envelopes before they reach an inbox; here only the device stands between the attacker and the handler, as it
 * would behind a broker that is not Relay or has been compromised.
 *
 * <p>"Nothing else arrived" is checked without sleeping: the attacker publishes everything at QoS 1 on one connection
 * to one topic, so the broker delivers in publish order, and once a valid marker published last reached the handler,
 * every delivery before it has been verified (on the transport thread, before the marker was handed on).
 */
class UntrustedBrokerIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The key that signs response and error envelopes here; pinned, since a bare broker answers no relay.info. */
    private static final RelayKeyPair RELAY = RelayKeyPair.generate();
    /** A legitimate peer of the device. */
    private static final RelayKeyPair ALICE = RelayKeyPair.generate();
    /** Signs correctly, but is neither the relay nor the device. */
    private static final RelayKeyPair MALLORY = RelayKeyPair.generate();

    @TempDir
    static Path brokerData;
    static RelayStack broker;

    @TempDir
    Path dir;
    private final BlockingQueue<Envelope> handled = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> discarded = new LinkedBlockingQueue<>();
    private final List<RelayDevice> devices = new ArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private MqttClient attacker;

    @BeforeAll
    static void startBareBroker() throws Exception {
        broker = RelayStack.start(StackOptions.ephemeral(BrokerKind.HIVEMQ, brokerData).realm("untrusted.it").bare()
                .build());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void connectAttackerAndCaptureLog() throws MqttException {
        log.start();
        inboxLogger().addAppender(log);
        // Anonymous, as a bare broker allows: no Relay identity, no connect token.
        attacker = new MqttClient(broker.mqttUri().toString(), "attacker-" + UUID.randomUUID(), new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        attacker.connect(options);
    }

    @AfterEach
    void closeEverything() throws MqttException {
        devices.forEach(RelayDevice::close);
        inboxLogger().detachAppender(log);
        attacker.disconnect();
        attacker.close();
    }

    @Test
    void onlyEnvelopesThatPassTheSection38ChecksReachTheHandlerAndEveryOtherIsReportedWithItsCode() throws Exception {
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        RelayDevice fan = track(device(dir.resolve("fan.key")).onStateChange(states::add)
                .onMessage(in -> handled.add(in.envelope())).connect());
        String inbox = Addressing.mqttInbox(fan.keyId().toString());

        Envelope valid = message(fan, "turn the fan on");
        Envelope tampered = message(fan, "turn the fan on");
        Envelope forSomeoneElse = Envelope.builder(Kind.MESSAGE).to(RelayKeyPair.generate().keyId())
                .body("turn the fan on").sign(ALICE);
        Envelope expired = Envelope.builder(Kind.MESSAGE).to(fan.keyId()).ts(System.currentTimeMillis() - 3_600_000)
                .expiresIn(60L).body("turn the fan on").sign(ALICE);
        Envelope forgedResponse = Envelope.builder(Kind.RESPONSE).to(fan.keyId()).inReplyTo(MessageId.generate())
                .contentType(JsonBodies.CONTENT_TYPE).body("{\"result\":{}}").sign(MALLORY);
        Envelope forgedError = Envelope.builder(Kind.ERROR).to(fan.keyId()).inReplyTo(MessageId.generate())
                .contentType(JsonBodies.CONTENT_TYPE).body(JsonBodies.error(ErrorCode.FORBIDDEN, "go away"))
                .sign(MALLORY);
        // Control for the relay-key check: the same kind signed by the pinned key is believed.
        Envelope relayError = Envelope.builder(Kind.ERROR).to(fan.keyId()).contentType(JsonBodies.CONTENT_TYPE)
                .body(JsonBodies.error(ErrorCode.QUEUE_FULL, "the relay speaking")).sign(RELAY);
        Envelope marker = message(fan, "marker");

        publish(inbox, valid.toJson());
        publish(inbox, withBody(tampered, "turn the fan off"));
        publish(inbox, forSomeoneElse.toJson());
        publish(inbox, expired.toJson());
        publish(inbox, valid.toJson()); // at-least-once delivery or a replay: a duplicate
        publish(inbox, forgedResponse.toJson());
        publish(inbox, forgedError.toJson());
        publish(inbox, "this is not an envelope".getBytes(UTF_8));
        publish(inbox, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        publish(inbox, relayError.toJson());
        publish(inbox, marker.toJson());

        assertThat(handledUpTo(marker)).containsExactly(valid, relayError, marker);
        assertThat(handled).as("nothing after the marker").isEmpty();
        List<String> reasons = new ArrayList<>(discarded);
        // Reports are for what fails SPEC §3.8 steps 1-4; a duplicate is normal under at-least-once delivery.
        assertThat(reasons).as("one report per discarded envelope, in delivery order").hasSize(7);
        assertThat(reasons.get(0)).startsWith(code(ErrorCode.BAD_SIGNATURE)).contains(tampered.id());
        assertThat(reasons.get(1)).startsWith(code(ErrorCode.RECIPIENT_MISMATCH)).contains(forSomeoneElse.id());
        assertThat(reasons.get(2)).startsWith(code(ErrorCode.EXPIRED)).contains(expired.id());
        assertThat(reasons.get(3)).startsWith(code(ErrorCode.BAD_SIGNATURE)).contains(forgedResponse.id())
                .contains("not signed by the trusted relay key " + RELAY.keyId());
        assertThat(reasons.get(4)).startsWith(code(ErrorCode.BAD_SIGNATURE)).contains(forgedError.id())
                .contains("not signed by the trusted relay key " + RELAY.keyId());
        assertThat(reasons.get(5)).startsWith(code(ErrorCode.MALFORMED));
        assertThat(reasons.get(6)).startsWith(code(ErrorCode.MALFORMED));
        assertThat(discardWarnings()).as("each discard is logged").hasSize(7);

        // The attack did not disturb the connection: a valid envelope sent afterwards still arrives.
        Envelope after = message(fan, "still listening");
        publish(inbox, after.toJson());
        assertThat(handledUpTo(after)).containsExactly(after);
        assertThat(fan.state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(states).containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
        assertThat(discarded).hasSize(7);
    }

    @Test
    void discardedDeliveriesAreAcknowledgedSoTheResumedSessionDoesNotBringThemBack() throws Exception {
        Path fanKey = dir.resolve("fan.key");
        BlockingQueue<Envelope> refused = new LinkedBlockingQueue<>();
        RelayDevice fan = track(device(fanKey).onMessage(in -> {
            if (in.text().equals("the handler fails on this one")) {
                refused.add(in.envelope());
                throw new IllegalStateException("not acknowledged on purpose");
            }
            handled.add(in.envelope());
        }).connect());
        String inbox = Addressing.mqttInbox(fan.keyId().toString());
        Envelope marker = message(fan, "marker");

        publish(inbox, withBody(message(fan, "turn the fan on"), "turn the fan off"));
        publish(inbox, Envelope.builder(Kind.MESSAGE).to(fan.keyId()).ts(System.currentTimeMillis() - 3_600_000)
                .expiresIn(60L).body("stale").sign(ALICE).toJson());
        publish(inbox, Envelope.builder(Kind.RESPONSE).to(fan.keyId()).inReplyTo(MessageId.generate())
                .contentType(JsonBodies.CONTENT_TYPE).body("{\"result\":{}}").sign(MALLORY).toJson());
        publish(inbox, "garbage".getBytes(UTF_8));
        publish(inbox, marker.toJson());
        assertThat(handledUpTo(marker)).containsExactly(marker);
        assertThat(discarded).hasSize(4);
        // Control: a delivery the device does not acknowledge comes again on the resumed session, so the bad ones
        // staying away below means they were acknowledged, not that nothing is ever redelivered. Sent last: HiveMQ
        // reads more of a persistent session's queue only once what it sent was acknowledged, so an unacknowledged
        // delivery can hold back the ones after it until the next connection.
        Envelope unacknowledged = message(fan, "the handler fails on this one");
        publish(inbox, unacknowledged.toJson());
        assertThat(refused.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(unacknowledged);
        fan.close(); // clean DISCONNECT: the broker keeps the session and queues for it

        discarded.clear();
        Envelope fresh = message(fan, "fresh while away");
        publish(inbox, fresh.toJson());
        RelayDevice back = track(device(fanKey).onMessage(in -> handled.add(in.envelope())).connect());

        assertThat(back.sessionPresent()).isTrue();
        assertThat(List.of(next(), next())).containsExactly(unacknowledged, fresh);
        // MQTT re-sends unacknowledged deliveries first and in their original order, so an unacknowledged bad one
        // would have come (and been reported) before the control did.
        assertThat(discarded).as("no discarded delivery came again").isEmpty();
        assertThat(handled).isEmpty();
        assertThat(back.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void aFailingDiscardListenerStillLeavesTheDeliveryAcknowledgedAndTheDeviceConnected() throws Exception {
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        RelayDevice fan = track(device(dir.resolve("fan.key")).onStateChange(states::add)
                .onMessage(in -> handled.add(in.envelope()))
                .onDiscard(reason -> {
                    discarded.add(reason);
                    throw new IllegalStateException("a bug in the application's discard listener");
                }).connect());
        String inbox = Addressing.mqttInbox(fan.keyId().toString());
        Envelope marker = message(fan, "marker");

        publish(inbox, "garbage".getBytes(UTF_8));
        publish(inbox, marker.toJson());

        assertThat(handledUpTo(marker)).containsExactly(marker);
        assertThat(discarded).hasSize(1);
        assertThat(fan.state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(states).containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
    }

    private RelayDevice.Builder device(Path keyFile) {
        return RelayDevice.builder().serverUri(broker.mqttUri().toString()).realm(broker.realm()).keyFile(keyFile)
                .relayKey(RELAY.keyId()).backoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                .onDiscard(discarded::add);
    }

    private RelayDevice track(RelayDevice device) {
        devices.add(device);
        return device;
    }

    private static Envelope message(RelayDevice to, String text) throws RelayException {
        return Envelope.builder(Kind.MESSAGE).to(to.keyId()).contentType("text/plain").body(text).sign(ALICE);
    }

    /** The envelope's JSON with another body: still well-formed, but no longer what was signed. */
    private static byte[] withBody(Envelope envelope, String body) {
        String original = "\"body\":\"" + Base64Url.encode(envelope.body()) + "\"";
        String json = envelope.toJsonString();
        assertThat(json).contains(original);
        return json.replace(original, "\"body\":\"" + Base64Url.encode(body.getBytes(UTF_8)) + "\"")
                .getBytes(UTF_8);
    }

    private void publish(String topic, byte[] payload) throws MqttException {
        attacker.publish(topic, payload, 1, false); // returns once the broker's PUBACK is in
    }

    private Envelope next() throws InterruptedException {
        Envelope envelope = handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(envelope).as("a message within " + WAIT).isNotNull();
        return envelope;
    }

    /** What the handler got, up to and including {@code marker}. */
    private List<Envelope> handledUpTo(Envelope marker) throws InterruptedException {
        List<Envelope> seen = new ArrayList<>();
        while (seen.isEmpty() || !seen.get(seen.size() - 1).equals(marker)) {
            seen.add(next());
        }
        return seen;
    }

    private List<ILoggingEvent> discardWarnings() {
        synchronized (log) { // appends happen under the appender's lock
            return log.list.stream().filter(event -> event.getLevel() == Level.WARN)
                    .filter(event -> event.getFormattedMessage().startsWith("Discarding an envelope")).toList();
        }
    }

    private static String code(ErrorCode code) {
        return code.code() + ": ";
    }

    private static Logger inboxLogger() {
        return (Logger) LoggerFactory.getLogger(InboxDispatcher.class);
    }
}
