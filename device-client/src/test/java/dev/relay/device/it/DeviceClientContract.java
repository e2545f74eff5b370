package dev.relay.device.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.Incoming;
import dev.relay.client.RelayClientException;
import dev.relay.client.ConnectionState;
import dev.relay.device.MqttVersion;
import dev.relay.device.RelayDevice;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.Kind;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.stack.BrokerKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The device client against a real Relay stack (embedded broker with Relay inside), over MQTT 5 and 3.1.1, with real
 * Paho clients on both ends. Subclasses pick the broker.
 */
abstract class DeviceClientContract {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final List<RelayDevice> devices = new ArrayList<>();

    abstract StackUnderTest broker();

    @AfterEach
    void closeDevices() {
        devices.forEach(RelayDevice::close);
    }

    RelayDevice.Builder device(Path keyFile) {
        return RelayDevice.builder().serverUri(broker().mqttUri()).realm(broker().realm()).keyFile(keyFile)
                .backoff(Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    RelayDevice track(RelayDevice device) {
        devices.add(device);
        return device;
    }

    static BlockingQueue<Incoming> inbox() {
        return new LinkedBlockingQueue<>();
    }

    static Incoming next(BlockingQueue<Incoming> inbox) throws InterruptedException {
        Incoming incoming = inbox.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(incoming).as("a message within " + WAIT).isNotNull();
        return incoming;
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void aDeviceCreatesItsKeyFileAndExchangesSignedMessagesWithReceipts(MqttVersion version) throws Exception {
        Path sensorKey = dir.resolve("sensor.key");
        BlockingQueue<Incoming> controllerInbox = inbox();
        RelayDevice controller = track(device(dir.resolve("controller.key")).mqttVersion(version)
                .onMessage(in -> {
                    controllerInbox.add(in);
                    in.receipt("delivered").get(10, TimeUnit.SECONDS);
                }).connect());
        BlockingQueue<Incoming> sensorInbox = inbox();
        RelayDevice sensor = track(device(sensorKey).mqttVersion(version).onMessage(sensorInbox::add).connect());

        assertThat(Files.getPosixFilePermissions(sensorKey))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(KeyFiles.load(sensorKey).keyId()).isEqualTo(sensor.keyId());
        assertThat(sensor.relayKey()).isPresent(); // learnt from relay.info, trusted for response/error envelopes

        Envelope reading = Envelope.builder(Kind.MESSAGE).to(controller.keyId()).contentType("application/json")
                .body("{\"celsius\":21.5}").expiresIn(600L).threadId(dev.relay.protocol.MessageId.generate())
                .sign(KeyFiles.load(sensorKey));
        CompletableFuture<Receipt> receipt = sensor.awaitReceipt(reading, WAIT);
        assertThat(sensor.send(reading).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(reading.id());

        Incoming received = next(controllerInbox);
        assertThat(received.envelope()).isEqualTo(reading);
        assertThat(received.text()).isEqualTo("{\"celsius\":21.5}");
        assertThat(receipt.get(WAIT.toSeconds(), TimeUnit.SECONDS).status()).isEqualTo("delivered");

        received.reply("thanks").get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Envelope reply = next(sensorInbox).envelope();
        assertThat(reply.inReplyTo()).isEqualTo(reading.id());
        assertThat(reply.threadId()).isEqualTo(reading.threadId());
        assertThat(reply.from()).isEqualTo(controller.keyId().toString());
    }

    @Test
    void messagesSentWhileTheDeviceIsAwayArriveOnceWhenItComesBack() throws Exception {
        Path fanKey = dir.resolve("fan.key");
        RelayDevice fan = track(device(fanKey).connect());
        fan.close(); // clean DISCONNECT: the broker keeps the 7-day session
        RelayDevice controller = track(device(dir.resolve("controller.key")).connect());
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sent.add(controller.message(fan.keyId(), "text/plain", ("command " + i).getBytes(UTF_8),
                    Duration.ofMinutes(5)).get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }

        BlockingQueue<Incoming> fanInbox = inbox();
        RelayDevice back = track(device(fanKey).onMessage(fanInbox::add).connect());

        List<String> received = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            received.add(next(fanInbox).envelope().id());
        }
        assertThat(received).containsExactlyElementsOf(sent);
        assertThat(fanInbox.poll(1, TimeUnit.SECONDS)).as("nothing twice").isNull();
        assertThat(back.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void readingsTakenOfflineWaitInTheOutboxFileAcrossAProcessRestartAndArriveOnceInOrder() throws Exception {
        Path sensorKey = dir.resolve("sensor.key");
        Path outbox = dir.resolve("sensor.outbox");
        BlockingQueue<Incoming> controllerInbox = inbox();
        RelayDevice controller = track(device(dir.resolve("controller.key")).onMessage(controllerInbox::add)
                .connect());

        // Offline: the broker address answers nothing; start() keeps trying in the background.
        RelayDevice offline = RelayDevice.builder().serverUri("tcp://127.0.0.1:" + unusedPort())
                .realm(broker().realm()).keyFile(sensorKey).outbox(outbox)
                .backoff(Duration.ofMillis(100), Duration.ofMillis(200)).start();
        List<CompletableFuture<String>> pending = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pending.add(offline.message(controller.keyId(), "text/plain", ("reading " + i).getBytes(UTF_8)));
        }
        assertThat(offline.outboxSize()).isEqualTo(3);
        assertThat(pending).noneMatch(CompletableFuture::isDone);
        offline.close(); // the process ends with three readings unsent
        assertThat(pending).allMatch(CompletableFuture::isCompletedExceptionally);

        // Also an envelope the relay already accepted but whose "done" mark was lost (crash just after the PUBACK).
        RelayKeyPair key = KeyFiles.load(sensorKey);
        Envelope alreadySent = Envelope.builder(Kind.MESSAGE).to(controller.keyId()).body("reading sent before")
                .sign(key);
        RelayDevice online = track(device(sensorKey).connect());
        online.send(alreadySent).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(next(controllerInbox).envelope()).isEqualTo(alreadySent);
        online.close();
        Files.writeString(outbox, "+ " + alreadySent.toJsonString() + "\n",
                java.nio.file.StandardOpenOption.APPEND);

        RelayDevice restarted = track(device(sensorKey).outbox(outbox).connect());

        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            texts.add(next(controllerInbox).text());
        }
        // The outbox publishes in order; Artemis may still swap two close deliveries of one sender (SPEC §4.5).
        if (broker().kind() == BrokerKind.ARTEMIS) {
            assertThat(texts).containsExactlyInAnyOrder("reading 0", "reading 1", "reading 2");
        } else {
            assertThat(texts).containsExactly("reading 0", "reading 1", "reading 2");
        }
        assertThat(controllerInbox.poll(2, TimeUnit.SECONDS)).as("the re-sent envelope is a duplicate").isNull();
        awaitCondition(() -> restarted.outboxSize() == 0);
        assertThat(Files.readString(outbox)).isEmpty(); // compacted once everything was accepted
    }

    @Test
    void theDeviceReconnectsWithAFreshTokenAfterTheBrokerRestartsAndGetsWhatWaited() throws Exception {
        Path fanKey = dir.resolve("fan.key");
        BlockingQueue<Incoming> fanInbox = inbox();
        List<ConnectionState> states = new java.util.concurrent.CopyOnWriteArrayList<>();
        RelayDevice fan = track(device(fanKey).onMessage(fanInbox::add).onStateChange(states::add).connect());

        broker().stop();
        awaitCondition(() -> fan.state() == ConnectionState.RECONNECTING);
        broker().startAgain();
        assertThat(fan.awaitConnected(WAIT)).isTrue();

        RelayDevice controller = track(device(dir.resolve("controller.key")).connect());
        controller.message(fan.keyId(), "text/plain", "on".getBytes(UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(next(fanInbox).text()).isEqualTo("on");
        assertThat(states).containsSubsequence(ConnectionState.CONNECTED, ConnectionState.RECONNECTING,
                ConnectionState.CONNECTED);
    }

    @Test
    void aMessageWhoseHandlerThrowsComesAgainAfterAReconnectAndDoesNotHoldBackLaterOnes() throws Exception {
        Path fanKey = dir.resolve("fan.key");
        List<String> handled = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean motorJammed = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<ConnectionState> states = new java.util.concurrent.CopyOnWriteArrayList<>();
        RelayDevice fan = track(device(fanKey).onStateChange(states::add).onMessage(in -> {
            handled.add(in.text());
            if (motorJammed.getAndSet(false)) {
                throw new IllegalStateException("motor jammed");
            }
        }).connect());
        RelayDevice controller = track(device(dir.resolve("controller.key")).connect());

        controller.message(fan.keyId(), "text/plain", "on".getBytes(UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        awaitCondition(() -> handled.size() == 2); // failed once, then again after the reconnect
        controller.message(fan.keyId(), "text/plain", "off".getBytes(UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        awaitCondition(() -> handled.size() == 3);

        assertThat(handled).containsExactly("on", "on", "off");
        assertThat(states).containsSubsequence(ConnectionState.CONNECTED, ConnectionState.RECONNECTING,
                ConnectionState.CONNECTED);
        Thread.sleep(500);
        assertThat(handled).as("each handled once it succeeded").hasSize(3);
    }

    @ParameterizedTest
    @EnumSource(MqttVersion.class)
    void aRefusedSendFailsWithTheRelaysCodeAndTheConnectionStays(MqttVersion version) throws Exception {
        RelayDevice fan = track(device(dir.resolve("fan.key")).mqttVersion(version).connect());
        fan.policySet(PolicyMode.CLOSED, null, null).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        RelayDevice stranger = track(device(dir.resolve("stranger.key")).mqttVersion(version).connect());

        CompletableFuture<String> refused = stranger.message(fan.keyId(), "text/plain", "on".getBytes(UTF_8));

        assertThatThrownBy(() -> refused.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(RelayClientException.class,
                        e -> assertThat(e.code()).isEqualTo("acl_denied"));
        JsonNode policy = stranger.policyGet().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(policy.path("mode").asText()).isEqualTo("blocklist"); // still connected, own policy untouched
        assertThat(stranger.state()).isEqualTo(ConnectionState.CONNECTED);
    }

    @Test
    void aBadRealmIsRefusedAtConnectWithAReadableCode() {
        assertThatThrownBy(() -> RelayDevice.builder().serverUri(broker().mqttUri()).realm("another.realm")
                .keyFile(dir.resolve("k.key")).connect())
                .isInstanceOfSatisfying(RelayClientException.class,
                        e -> assertThat(e.code()).isEqualTo("bad_credentials"));
        assertThatThrownBy(() -> RelayDevice.builder().serverUri("tcp://127.0.0.1:" + unusedPort())
                .realm(broker().realm()).keyFile(dir.resolve("k.key")).connectTimeout(Duration.ofSeconds(2))
                .connect())
                .isInstanceOfSatisfying(RelayClientException.class,
                        e -> assertThat(e.code()).isEqualTo(RelayClientException.CONNECT_FAILED));
    }

    @Test
    void systemRequestsWorkOverMqttFromASessionWithASuffix() throws Exception {
        // One session per identity here: on Artemis the sessions of one identity compete for its inbox (SPEC §4.5).
        RelayDevice kitchen = track(device(dir.resolve("thermostat.key")).session("kitchen").connect());
        RelayDevice garage = track(device(dir.resolve("door.key")).session("garage").connect());
        assertThat(kitchen.clientId()).isEqualTo(kitchen.keyId() + ".kitchen");

        kitchen.profileSet(new dev.relay.protocol.ProfileCard("thermostat", "kitchen thermostat", List.of(),
                List.of("home"), true)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        JsonNode found = garage.discover(java.util.Map.of("tag", "home")).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(found.toString()).contains(kitchen.keyId().toString());
        assertThat(garage.isConnected()).isTrue();
    }

    static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within " + WAIT).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    static int unusedPort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
