package dev.relay.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.relay.agent.RelayAgent;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The soak: a stack in a process of its own under an hour-scale mixed load with Relay's default limits. Devices (MQTT 5,
 * persistent sessions) report to agents every few seconds and go offline for a while now and then; agents (WebSocket,
 * through the gateway) command devices, also while they are offline; devices switch their policy between an allowlist of
 * the agents and open; a stranger keeps writing to devices and is refused whenever their allowlist is on. Every
 * {@code sampleSeconds} it samples the broker's heap after GC, threads, open files, resident memory and relay store
 * size. At the end every device comes back and the {@link CrashLedger} checks that every acknowledged message arrived.
 * Passes with no errors, nothing lost and flat resources (see {@link #flat}).
 */
final class SoakRun {
    private static final int DEVICES = 20;
    private static final int AGENTS = 2;
    private static final long TTL_SECONDS = 3600;
    /** Each identity stays under the default limit of 30 sends a minute. */
    private static final long DEVICE_REPORT_MILLIS = 4_000;
    private static final long AGENT_COMMAND_MILLIS = 3_000;
    private static final long STRANGER_MILLIS = 5_000;
    private static final long OFFLINE_EVERY_MILLIS = 60_000;
    private static final long OFFLINE_FOR_MILLIS = 15_000;
    private static final long POLICY_EVERY_MILLIS = 45_000;

    private final String broker;
    private final Duration length;
    private final long sampleSeconds;
    private final PrintStream out;
    private final CrashLedger ledger = new CrashLedger();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong refusedByPolicy = new AtomicLong();
    private final AtomicLong answers = new AtomicLong();
    private final Map<String, String> lastError = new ConcurrentHashMap<>();
    private final List<RelayKeyPair> devices = new ArrayList<>();
    private final List<RelayKeyPair> agents = new ArrayList<>();
    private volatile boolean stopping;

    SoakRun(String broker, Duration length, PrintStream out) {
        this.broker = broker;
        this.length = length;
        this.sampleSeconds = length.toMinutes() >= 10 ? 30 : 10;
        this.out = out;
    }

    Result run() throws Exception {
        for (int i = 0; i < DEVICES; i++) {
            devices.add(RelayKeyPair.generate());
        }
        for (int i = 0; i < AGENTS; i++) {
            agents.add(RelayKeyPair.generate());
        }
        List<Sample> samples = new ArrayList<>();
        try (BrokerProcess target = BrokerProcess.start(broker, false, Map.of(), "1g")) {
            List<Thread> threads = new ArrayList<>();
            List<RelayAgent> connectedAgents = new ArrayList<>();
            for (RelayKeyPair key : agents) {
                connectedAgents.add(agent(target, key));
            }
            for (int i = 0; i < DEVICES; i++) {
                int index = i;
                threads.add(start("soak-device-" + i, () -> device(target, index)));
            }
            for (RelayAgent agent : connectedAgents) {
                threads.add(start("soak-agent", () -> commands(agent)));
            }
            threads.add(start("soak-stranger", () -> stranger(target)));
            long started = System.nanoTime();
            long end = started + length.toNanos();
            out.println("  minute   heap MiB   RSS MiB   threads   files   store MiB   sent   delivered   errors");
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(TimeUnit.SECONDS.toMillis(sampleSeconds),
                        Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                Sample sample = sample(target, (System.nanoTime() - started) / 60e9);
                samples.add(sample);
                out.printf("  %6.1f %10.1f %9.1f %9d %7d %11.2f %6d %11d %8d%n", sample.minute(),
                        sample.heapBytes() / 1048576.0, sample.residentBytes() / 1048576.0, sample.threads(),
                        sample.openFiles(), sample.storeBytes() / 1048576.0, ledger.verdict(0).sent(),
                        ledger.verdict(0).delivered(), errors.get());
            }
            stopping = true;
            for (Thread thread : threads) {
                thread.join(TimeUnit.MINUTES.toMillis(2));
            }
            // Devices are all back online now (each ends its loop connected): wait for what is still on its way.
            long deadline = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(120);
            while (ledger.outstanding(System.currentTimeMillis()) > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            CrashLedger.Verdict verdict = ledger.verdict(System.currentTimeMillis());
            connectedAgents.forEach(RelayAgent::close);
            lastError.forEach((where, what) -> out.println("  last error in " + where + ": " + what));
            return new Result(broker, length, samples, verdict, errors.get(), refusedByPolicy.get(), answers.get());
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.start();
        return thread;
    }

    // ------------------------------------------------------------------ the load

    private RelayAgent agent(Target target, RelayKeyPair key) throws Exception {
        String id = key.keyId().toString();
        return RelayAgent.builder().uri(target.gateway()).key(key).reconnect(true)
                .onMessage(incoming -> received(id, incoming.envelope())).connect();
    }

    private void commands(RelayAgent agent) {
        Random random = new Random();
        while (!stopping) {
            sleep(AGENT_COMMAND_MILLIS);
            RelayKeyPair device = devices.get(random.nextInt(DEVICES));
            Envelope command = envelope(agentKey(agent), device.keyId(), "{\"fan\":\"on\"}");
            ledger.sent(command.id(), device.keyId().toString(), command.ts() + TTL_SECONDS * 1000);
            agent.send(command).whenComplete((result, failure) -> {
                if (failure == null) {
                    ledger.acknowledged(command.id());
                } else {
                    error("agent send", failure.toString());
                }
            });
        }
    }

    private RelayKeyPair agentKey(RelayAgent agent) {
        return agents.stream().filter(key -> key.keyId().equals(agent.keyId())).findFirst().orElseThrow();
    }

    /** One device: reports, goes offline now and then, switches its policy; ends connected. */
    private void device(Target target, int index) {
        RelayKeyPair key = devices.get(index);
        String id = key.keyId().toString();
        Random random = new Random(index);
        long phase = index * (OFFLINE_EVERY_MILLIS / DEVICES); // staggered: about one device away at a time
        long nextOffline = System.currentTimeMillis() + OFFLINE_EVERY_MILLIS / 2 + phase;
        long nextPolicy = System.currentTimeMillis() + POLICY_EVERY_MILLIS / 2 + phase;
        boolean allowlist = false;
        Mqtt5AsyncClient client = null;
        try {
            client = connectDevice(target, key);
            while (!stopping) {
                sleep(DEVICE_REPORT_MILLIS + random.nextInt(500));
                RelayKeyPair agent = agents.get(index % AGENTS);
                Envelope reading = envelope(key, agent.keyId(), "{\"celsius\":" + (18 + random.nextInt(8)) + "}");
                CompletableFuture<?> published = publish(client, target, reading, agent.keyId().toString(), false);
                long now = System.currentTimeMillis();
                if (now >= nextPolicy) {
                    allowlist = !allowlist;
                    Map<String, Object> args = allowlist
                            ? Map.of("mode", "allowlist", "allow", agents.stream().map(k -> k.keyId().toString()).toList())
                            : Map.of("mode", "open");
                    Envelope request = SystemRequest.envelope(key, SystemOp.POLICY_SET, args);
                    client.publishWith().topic(Addressing.MQTT_SYSTEM_TOPIC).qos(MqttQos.AT_LEAST_ONCE)
                            .payload(request.toJson()).send().whenComplete((result, failure) -> {
                                if (failure != null || result.getError().isPresent()) {
                                    error("policy.set", String.valueOf(failure != null ? failure : result.getError()));
                                }
                            });
                    nextPolicy = now + POLICY_EVERY_MILLIS;
                }
                if (now >= nextOffline) {
                    published.get(30, TimeUnit.SECONDS); // a publish still in flight would fail with the connection
                    client.disconnect().get(30, TimeUnit.SECONDS);
                    sleep(OFFLINE_FOR_MILLIS);
                    client = connectDevice(target, key);
                    nextOffline = System.currentTimeMillis() + OFFLINE_EVERY_MILLIS;
                }
            }
        } catch (Exception e) {
            error("device " + id, e.toString());
        }
        // Left connected (or connected again) so that the end of the run can drain: closed with the broker.
    }

    private Mqtt5AsyncClient connectDevice(Target target, RelayKeyPair key) throws Exception {
        String id = key.keyId().toString();
        Mqtt5AsyncClient client = MqttLoad.client(target, key);
        client.publishes(MqttGlobalPublishFilter.ALL, publish -> {
            try {
                received(id, Envelope.parse(publish.getPayloadAsBytes()));
            } catch (RelayException e) {
                error("device receive", e.reasonString());
            }
        });
        MqttLoad.connect(client, target, key, MqttLoad.token(target, key), TTL_SECONDS)
                .get(MqttLoad.CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        client.subscribeWith().topicFilter(MqttLoad.inbox(target, key.keyId())).qos(MqttQos.AT_LEAST_ONCE).send()
                .get(30, TimeUnit.SECONDS);
        return client;
    }

    /** A stranger writes to devices; allowlisted ones refuse it, which is counted, not an error. */
    private void stranger(Target target) {
        RelayKeyPair key = RelayKeyPair.generate();
        Random random = new Random();
        try {
            Mqtt5AsyncClient client = MqttClient.builder().useMqttVersion5().identifier(key.keyId().toString())
                    .serverHost(target.mqtt().getHost()).serverPort(target.mqtt().getPort())
                    .addDisconnectedListener(context -> {
                        if (!stopping) {
                            error("stranger connection", String.valueOf(context.getCause()));
                        }
                    }).buildAsync();
            MqttLoad.connect(client, target, key, MqttLoad.token(target, key), 0)
                    .get(MqttLoad.CONNECT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            CompletableFuture<?> last = CompletableFuture.completedFuture(null);
            while (!stopping) {
                sleep(STRANGER_MILLIS);
                RelayKeyPair device = devices.get(random.nextInt(DEVICES));
                last = publish(client, target, envelope(key, device.keyId(), "{\"hello\":true}"),
                        device.keyId().toString(), true);
            }
            last.exceptionally(failure -> null).get(30, TimeUnit.SECONDS); // its answer, before the goodbye
            client.disconnect();
        } catch (Exception e) {
            error("stranger", e.toString());
        }
    }

    private CompletableFuture<?> publish(Mqtt5AsyncClient client, Target target, Envelope envelope, String recipient,
                                         boolean policyMayRefuse) {
        ledger.sent(envelope.id(), recipient, envelope.ts() + TTL_SECONDS * 1000);
        return client.publishWith().topic(Addressing.mqttInbox(recipient)).qos(MqttQos.AT_LEAST_ONCE)
                .payload(envelope.toJson()).send().whenComplete((result, failure) -> published(envelope, result,
                        failure, policyMayRefuse));
    }

    private void published(Envelope envelope, Mqtt5PublishResult result, Throwable failure, boolean policyMayRefuse) {
        if (failure instanceof Mqtt5PubAckException refused) {
            String reason = refused.getMqttMessage().getReasonString().map(Object::toString).orElse("");
            if (policyMayRefuse && reason.startsWith("acl_denied")) {
                refusedByPolicy.incrementAndGet();
            } else {
                error("publish", reason);
            }
            return;
        }
        if (failure != null) {
            error("publish", failure.toString());
            return;
        }
        if (result.getError().isEmpty()) {
            ledger.acknowledged(envelope.id());
            return;
        }
        String reason = result instanceof Mqtt5PublishResult.Mqtt5Qos1Result qos1
                ? qos1.getPubAck().getReasonCode() + " " + qos1.getPubAck().getReasonString().map(Object::toString)
                .orElse("") : String.valueOf(result.getError().get());
        if (policyMayRefuse && reason.contains("acl_denied")) {
            refusedByPolicy.incrementAndGet();
        } else {
            error("publish", reason);
        }
    }

    private void received(String recipient, Envelope envelope) {
        if (envelope.kind() == Kind.MESSAGE) {
            ledger.received(recipient, envelope.id(), System.currentTimeMillis());
        } else if (envelope.kind() == Kind.RESPONSE) {
            answers.incrementAndGet();
        } else {
            error("inbox of " + recipient, envelope.kind().wireName() + " " + new String(envelope.body(),
                    StandardCharsets.UTF_8));
        }
    }

    private static Envelope envelope(RelayKeyPair from, KeyId to, String json) {
        try {
            return Envelope.builder(Kind.MESSAGE).to(to).expiresIn(TTL_SECONDS).contentType("application/json")
                    .body(json).sign(from);
        } catch (RelayException e) {
            throw new IllegalStateException(e);
        }
    }

    private void error(String where, String what) {
        if (!stopping || !what.contains("Closed")) { // connections closing at the very end are not errors
            if (errors.incrementAndGet() <= 20) {
                out.println("  error in " + where + ": " + what);
            }
            lastError.put(where, what);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ samples

    private static Sample sample(BrokerProcess target, double minute) throws IOException {
        Path proc = Path.of("/proc", Long.toString(target.pid()));
        long threads = Files.readAllLines(proc.resolve("status")).stream().filter(line -> line.startsWith("Threads:"))
                .mapToLong(line -> Long.parseLong(line.substring(8).trim())).findFirst().orElse(-1);
        long files;
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            files = fds.count();
        }
        long store;
        try (Stream<Path> paths = Files.walk(target.dataFolder())) {
            store = paths.filter(path -> path.getFileName().toString().startsWith("relay.db"))
                    .mapToLong(path -> path.toFile().length()).sum();
        }
        return new Sample(minute, target.heapUsedAfterGc(), target.residentBytes(), threads, files, store);
    }

    record Sample(double minute, long heapBytes, long residentBytes, long threads, long openFiles, long storeBytes) {
    }

    /**
     * Flat: from the first sample after a quarter of the run (warm-up: JIT, pools, caches) to the last, heap after GC
     * grows by at most 16 MiB or 15 %, threads by at most 10 and open files by at most 20.
     */
    static boolean flat(List<Sample> samples) {
        if (samples.size() < 2) {
            return false;
        }
        Sample base = samples.get(samples.size() / 4);
        Sample last = samples.get(samples.size() - 1);
        return last.heapBytes() - base.heapBytes() <= Math.max(16L << 20, base.heapBytes() * 15 / 100)
                && last.threads() - base.threads() <= 10 && last.openFiles() - base.openFiles() <= 20;
    }

    record Result(String broker, Duration length, List<Sample> samples, CrashLedger.Verdict verdict, long errors,
                  long refusedByPolicy, long answers) {
        boolean ok() {
            return errors == 0 && verdict.lost() == 0 && verdict.late() == 0 && verdict.unexpected() == 0
                    && flat(samples);
        }
    }
}
