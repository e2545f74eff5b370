package dev.relay.device.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.Incoming;
import dev.relay.device.RelayDevice;
import dev.relay.stack.BrokerKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device with an outbox that sends faster than the relay's rate limit (SPEC §9) allows: the refused envelopes stay
 * in the outbox and go again after {@code retry_after}, so every reading arrives, once, while a device without an
 * outbox sees {@code rate_limited} with the retry-after.
 */
class OutboxRateLimitIT {
    static StackUnderTest broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        broker = StackUnderTest.start(BrokerKind.HIVEMQ, Map.of("relay.rate.sends-per-minute", "60",
                "relay.rate.burst", "3"));
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void readingsRefusedByTheRateLimitWaitInTheOutboxAndAllArriveOnce() throws Exception {
        BlockingQueue<Incoming> inbox = new LinkedBlockingQueue<>();
        try (RelayDevice controller = RelayDevice.builder().serverUri(broker.mqttUri()).realm(broker.realm())
                .keyFile(dir.resolve("controller.key")).onMessage(inbox::add).connect();
             RelayDevice sensor = RelayDevice.builder().serverUri(broker.mqttUri()).realm(broker.realm())
                     .keyFile(dir.resolve("sensor.key")).outbox(dir.resolve("sensor.outbox")).connect()) {
            List<CompletableFuture<String>> sent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                sent.add(sensor.message(controller.keyId(), "text/plain", ("reading " + i).getBytes(UTF_8)));
            }

            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Incoming next = inbox.poll(30, TimeUnit.SECONDS);
                assertThat(next).as("reading " + i).isNotNull();
                texts.add(next.text());
            }
            assertThat(texts).containsExactlyInAnyOrder("reading 0", "reading 1", "reading 2", "reading 3",
                    "reading 4", "reading 5");
            assertThat(inbox.poll(2, TimeUnit.SECONDS)).as("none twice").isNull();
            assertThat(sensor.outboxSize()).isZero();
        }
    }

    @Test
    void withoutAnOutboxTheSenderSeesRateLimitedWithRetryAfter() throws Exception {
        try (RelayDevice target = RelayDevice.builder().serverUri(broker.mqttUri()).realm(broker.realm())
                .keyFile(dir.resolve("target.key")).connect();
             RelayDevice chatty = RelayDevice.builder().serverUri(broker.mqttUri()).realm(broker.realm())
                     .keyFile(dir.resolve("chatty.key")).connect()) {
            List<CompletableFuture<String>> sent = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                sent.add(chatty.message(target.keyId(), "text/plain", "x".getBytes(UTF_8)));
            }
            dev.relay.client.RelayClientException limited = null;
            for (CompletableFuture<String> result : sent) {
                try {
                    result.get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    limited = (dev.relay.client.RelayClientException) e.getCause();
                }
            }
            assertThat(limited).as("a refusal").isNotNull();
            assertThat(limited.code()).isEqualTo("rate_limited");
            assertThat(limited.retryAfterSeconds()).isPresent();
            assertThat(Duration.ofSeconds(limited.retryAfterSeconds().getAsLong())).isLessThanOrEqualTo(
                    Duration.ofSeconds(60));
        }
    }
}
