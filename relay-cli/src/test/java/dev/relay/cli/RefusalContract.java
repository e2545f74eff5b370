package dev.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.agent.RelayAgent;
import dev.relay.client.ClientCore;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayClientException;
import dev.relay.device.MqttVersion;
import dev.relay.device.RelayDevice;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.ErrorMapping.Refusal;
import dev.relay.protocol.InboxPolicy;
import dev.relay.protocol.JsonBodies;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.stack.BrokerKind;
import dev.relay.stack.RelayStack;
import dev.relay.stack.StackOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One refusal, one code, whoever sends: the same refusals from the device (MQTT 5 and 3.1.1), the agent (WebSocket
 * gateway) and the command line (over MQTT and over the gateway), against a real stack with small limits, must come back
 * as the same relay code (SPEC §10), and {@code rate_limited} with a {@code retry_after} number (SPEC §9). The relay
 * answers each transport its own way (a PUBACK reason string, an {@code error} envelope in the inbox, a gateway error
 * frame); every client reads them with {@code ErrorMapping}.
 *
 * <p>One more device asks the broker for no reason strings (MQTT 5 Request Problem Information 0), so that its
 * refusals are bare PUBACK reason codes: it must read them as SPEC §13.4 says, which is what the gateway reports for the
 * same bare PUBACK. Before the shared mapping the device read {@code 0x87} as {@code acl_denied} and {@code 0x83} as
 * {@code expired} where the gateway says {@code forbidden} and {@code internal}: this leg failed on the
 * {@code acl_denied}, {@code forbidden} and {@code expired} cases.
 *
 * <p>Subclasses pick the broker.
 */
abstract class RefusalContract {
    /** Each identity's rate bucket (SPEC §9): room for every case's own traffic, refilled slowly. */
    static final int BURST = 6;
    /** Parked messages per never-connected recipient before {@code queue_full} (HiveMQ parks; Artemis queues). */
    static final int MAX_PARKED = 2;
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String ACCEPTED = "accepted";
    private static final List<KeyId> TOO_MANY_KEYS = Stream.generate(() -> RelayKeyPair.generate().keyId())
            .limit(InboxPolicy.MAX_LIST_SIZE + 1L).toList();

    static RelayStack stack;
    static KeyId relayKey;

    @TempDir
    Path dir;

    /** The refusals every client must report alike. */
    enum Case {
        ACL_DENIED, FORBIDDEN, RATE_LIMITED, TOO_LARGE, EXPIRED, SENDER_MISMATCH, QUEUE_FULL;

        String code() {
            return ErrorCode.valueOf(name()).code();
        }
    }

    /** Who sends. */
    enum Leg {
        DEVICE_MQTT5, DEVICE_MQTT311, DEVICE_MQTT5_NO_REASON_STRINGS, AGENT_WEBSOCKET, CLI_MQTT5, CLI_WEBSOCKET;

        boolean isCli() {
            return this == CLI_MQTT5 || this == CLI_WEBSOCKET;
        }
    }

    /** What a send came to: {@link #ACCEPTED} or the relay's code, with the retry-after when given. */
    record Outcome(String code, Long retryAfter) {
        static Outcome of(Refusal refusal) {
            return new Outcome(refusal.code(), refusal.retryAfterSeconds());
        }

        @Override
        public String toString() {
            return code + (retryAfter == null ? "" : " (retry_after=" + retryAfter + ")");
        }
    }

    static void startStack(BrokerKind broker, Path data) throws Exception {
        stack = RelayStack.start(StackOptions.ephemeral(broker, data)
                .relayProperty("relay.rate.sends-per-minute", "1")
                .relayProperty("relay.rate.burst", Integer.toString(BURST))
                .relayProperty("relay.parking.max-per-recipient", Integer.toString(MAX_PARKED))
                .build());
        try (RelayDevice probe = RelayDevice.builder().serverUri(stack.mqttUri().toString()).realm(stack.realm())
                .key(RelayKeyPair.generate()).sessionExpiry(Duration.ZERO).connect()) {
            relayKey = probe.relayKey().orElseThrow(); // pinned below: no relay.info spends a token of each sender
        }
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Case.class)
    void everyClientReportsTheSameCodeForTheSameRefusal(Case refusal) throws Exception {
        Map<Leg, Outcome> outcomes = new EnumMap<>(Leg.class);
        for (Leg leg : Leg.values()) {
            if (leg.isCli() && !cliCanSend(refusal)) {
                continue;
            }
            outcomes.put(leg, leg.isCli() ? cli(leg, refusal) : client(leg, refusal));
        }
        System.out.printf("Refusal contract on %s, %s: %s%n", stack.brokerKind(), refusal, outcomes);
        for (Map.Entry<Leg, Outcome> seen : outcomes.entrySet()) {
            Leg leg = seen.getKey();
            assertThat(seen.getValue().code()).as("%s on %s (all: %s)", refusal, leg, outcomes)
                    .isEqualTo(expected(refusal, leg));
            if (refusal == Case.RATE_LIMITED && leg != Leg.DEVICE_MQTT5_NO_REASON_STRINGS) {
                assertThat(seen.getValue().retryAfter()).as("retry_after of %s (all: %s)", leg, outcomes)
                        .isNotNull().isBetween(1L, 60L);
            }
        }
    }

    /**
     * The command line sends only what it signs itself, now, as a message: it cannot send a relay-only kind
     * ({@code forbidden}), an old timestamp ({@code expired}) or someone else's envelope ({@code sender_mismatch}).
     */
    private static boolean cliCanSend(Case refusal) {
        return refusal != Case.FORBIDDEN && refusal != Case.EXPIRED && refusal != Case.SENDER_MISMATCH;
    }

    private static String expected(Case refusal, Leg leg) {
        if (refusal == Case.QUEUE_FULL && stack.brokerKind() == BrokerKind.ARTEMIS) {
            // Artemis has no parking: an inbox is a durable queue from the moment anyone names it (SPEC §10.9), so
            // a recipient that never connected takes every message and queue_full cannot arise.
            return ACCEPTED;
        }
        if (leg == Leg.DEVICE_MQTT5_NO_REASON_STRINGS && refusedByPuback(refusal)) {
            // Only the reason code, on both brokers (MQTT 5 §3.1.2.11.7: no reason string when the client asked for
            // none; the Artemis plugin's own PUBACK put one on regardless): read as SPEC §13.4 says, the same way the
            // gateway reads a bare PUBACK.
            return ErrorMapping.codeForPubackReason(ErrorCode.valueOf(refusal.name()).mqtt5PubackReason());
        }
        return refusal.code();
    }

    /** Refusals of a publish, which MQTT 5 answers on the PUBACK (not: a request's error envelope, a local check). */
    private static boolean refusedByPuback(Case refusal) {
        return refusal != Case.TOO_LARGE && refusal != Case.SENDER_MISMATCH;
    }

    // ---------------------------------------------------------------- the clients

    private Outcome client(Leg leg, Case refusal) throws Exception {
        RelayKeyPair sender = RelayKeyPair.generate();
        KeyId recipient = recipientFor(refusal);
        try (ClientCore client = connect(leg, sender)) {
            return switch (refusal) {
                case ACL_DENIED -> await(client.message(recipient, RelayClient.TEXT_PLAIN, utf8("let me in")));
                case FORBIDDEN -> await(client.send(Envelope.builder(Kind.ERROR).to(recipient)
                        .contentType(JsonBodies.CONTENT_TYPE)
                        .body(JsonBodies.error(ErrorCode.INTERNAL, "pretending to be the relay"))));
                case RATE_LIMITED -> untilRefused(BURST + 3,
                        () -> client.message(recipient, RelayClient.TEXT_PLAIN, utf8("one more")));
                case TOO_LARGE -> await(client.policyAdd("allow", TOO_MANY_KEYS));
                case EXPIRED -> await(client.send(Envelope.builder(Kind.MESSAGE).to(recipient)
                        .ts(System.currentTimeMillis() - 3_600_000).expiresIn(60L).body("an hour old")));
                case SENDER_MISMATCH -> await(client.send(Envelope.builder(Kind.MESSAGE).to(recipient)
                        .body("signed by someone else").sign(RelayKeyPair.generate())));
                case QUEUE_FULL -> untilRefused(MAX_PARKED + 1,
                        () -> client.message(recipient, RelayClient.TEXT_PLAIN, utf8("while you were away")));
            };
        }
    }

    private static ClientCore connect(Leg leg, RelayKeyPair key) throws RelayClientException {
        return switch (leg) {
            case DEVICE_MQTT5 -> device(key).connect();
            case DEVICE_MQTT311 -> device(key).mqttVersion(MqttVersion.V3_1_1)
                    .refusalWindow(Duration.ofMillis(1500)).connect();
            case DEVICE_MQTT5_NO_REASON_STRINGS -> device(key).requestProblemInformation(false)
                    .refusalWindow(Duration.ofMillis(300)).connect();
            case AGENT_WEBSOCKET -> RelayAgent.builder().uri(stack.gatewayUri()).key(key).expectedRealm(stack.realm())
                    .relayKey(relayKey).transientSession(true).connect();
            default -> throw new IllegalArgumentException(leg + " is not a client of its own");
        };
    }

    private static RelayDevice.Builder device(RelayKeyPair key) {
        return RelayDevice.builder().serverUri(stack.mqttUri().toString()).realm(stack.realm()).key(key)
                .relayKey(relayKey).sessionExpiry(Duration.ZERO);
    }

    /**
     * The recipient a case needs: with a closed inbox ({@code acl_denied}); never connected, so that HiveMQ parks for
     * it ({@code queue_full}); else with a lasting session, so that nothing is parked and only the sender's rate counts.
     */
    private static KeyId recipientFor(Case refusal) throws Exception {
        RelayKeyPair recipient = RelayKeyPair.generate();
        if (refusal == Case.QUEUE_FULL) {
            return recipient.keyId();
        }
        try (RelayDevice owner = RelayDevice.builder().serverUri(stack.mqttUri().toString()).realm(stack.realm())
                .key(recipient).relayKey(relayKey).connect()) {
            if (refusal == Case.ACL_DENIED) {
                owner.policySet(PolicyMode.CLOSED, null, null).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
        return recipient.keyId();
    }

    private static Outcome await(CompletableFuture<?> answer) throws InterruptedException, TimeoutException {
        try {
            answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            return new Outcome(ACCEPTED, null);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(RelayClientException.class);
            RelayClientException refused = (RelayClientException) e.getCause();
            return new Outcome(refused.code(), refused.retryAfterSeconds().isPresent()
                    ? refused.retryAfterSeconds().getAsLong() : null);
        }
    }

    private interface Send {
        CompletableFuture<?> next();
    }

    /** Sends up to {@code attempts} times; the first refusal, else accepted. */
    private static Outcome untilRefused(int attempts, Send send) throws Exception {
        Outcome last = null;
        for (int i = 0; i < attempts; i++) {
            last = await(send.next());
            if (!last.code().equals(ACCEPTED)) {
                return last;
            }
        }
        return last;
    }

    // ---------------------------------------------------------------- the command line

    private Outcome cli(Leg leg, Case refusal) throws Exception {
        Path folder = dir.resolve(leg.name().toLowerCase());
        Cli cli = new Cli("--url", (leg == Leg.CLI_WEBSOCKET ? stack.gatewayUri() : stack.mqttUri()).toString(),
                "--realm", stack.realm(), "--data", folder.toString(), "--key", folder.resolve("sender.key").toString(),
                "--relay-key", relayKey.toString(), "--timeout", WAIT.toSeconds() + "s");
        String recipient = recipientFor(refusal).toString();
        return switch (refusal) {
            case ACL_DENIED -> outcome(cli.run("send", "--to", recipient, "let", "me", "in"));
            case TOO_LARGE -> {
                // "--": a key id may start with '-', which would read as an option.
                List<String> args = new ArrayList<>(List.of("--", "allow"));
                TOO_MANY_KEYS.forEach(key -> args.add(key.toString()));
                yield outcome(cli.run("policy add", args.toArray(String[]::new)));
            }
            // Every command also asks relay.info, which takes a token too (SPEC §9: requests count).
            case RATE_LIMITED -> cliUntilRefused(BURST + 3, () -> cli.run("send", "--to", recipient, "one", "more"));
            case QUEUE_FULL -> cliUntilRefused(MAX_PARKED + 1,
                    () -> cli.run("send", "--to", recipient, "while", "you", "were", "away"));
            default -> throw new IllegalArgumentException("the command line cannot send " + refusal);
        };
    }

    private interface Command {
        Cli.Result run();
    }

    private static Outcome cliUntilRefused(int attempts, Command command) {
        Outcome last = null;
        for (int i = 0; i < attempts; i++) {
            last = outcome(command.run());
            if (!last.code().equals(ACCEPTED)) {
                return last;
            }
        }
        return last;
    }

    /** Exit 0, or the one line {@code relay: <code>: <text>} with exit code 1 (refused by the relay). */
    private static Outcome outcome(Cli.Result result) {
        if (result.exit() == ExitCodes.OK) {
            return new Outcome(ACCEPTED, null);
        }
        String line = result.err().strip();
        assertThat(result.exit()).as(line).isEqualTo(ExitCodes.REFUSED);
        assertThat(line).startsWith("relay: ").doesNotContain("\n");
        return Outcome.of(ErrorMapping.fromReason(line.substring("relay: ".length()), "unreadable"));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
