package dev.relay.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Runs the five benchmark scenarios and writes {@code results.json}, {@code results.md} and PNG charts. Every system
 * under test runs in its own process; within a scenario the systems take turns (A B C, then C B A, ...), after one
 * unmeasured warm-up each, and each system's median and spread over the rounds are reported, with the ratio
 * Relay / bare broker measured in the same run.
 *
 * <pre>java -cp ... dev.relay.bench.BenchMain [--quick] [--out DIR]</pre>
 */
public final class BenchMain {
    /** Relay's per-identity rate limit would measure the limit, not the relay. */
    static final Map<String, String> UNTHROTTLED = Map.of("relay.rate.sends-per-minute", "10000000",
            "relay.rate.burst", "10000000", "gateway.frames-per-second", "100000", "gateway.frame-burst", "100000",
            "gateway.max-pending-sends", "10000");
    private static final List<String> BROKERS = List.of("hivemq", "artemis");

    private final boolean quick;
    private final String scenarios;
    private final PrintStream console;
    private final ObjectNode json = Json.MAPPER.createObjectNode();
    private final StringBuilder markdown = new StringBuilder();
    private final Path out;
    private boolean allOk = true;

    private BenchMain(boolean quick, String scenarios, Path out, PrintStream console) {
        this.quick = quick;
        this.scenarios = scenarios;
        this.out = out;
        this.console = console;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = null;
        String scenarios = "12345";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--scenarios" -> scenarios = args[++i];
                default -> {
                    System.err.println("usage: BenchMain [--quick] [--scenarios 12345] [--out DIR]");
                    System.exit(2);
                }
            }
        }
        System.exit(run(quick, scenarios, out, System.out));
    }

    /** The folder results go to when none is given: a dated one in bench/results, or bench/target/quick. */
    public static Path defaultOut(boolean quick) {
        return quick ? Path.of("bench", "target", "quick")
                : Path.of("bench", "results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")));
    }

    /**
     * Runs the scenarios named by their numbers in {@code scenarios} ("12345" for all); 0 when every measurement
     * completed (no timing goal is judged here), else 1; a quick run returns 1 only by throwing (a scenario that
     * cannot run), since whether messages arrive before a deadline depends on timing.
     */
    public static int run(boolean quick, String scenarios, Path out, PrintStream console) throws Exception {
        BenchMain bench = new BenchMain(quick, scenarios, out == null ? defaultOut(quick) : out, console);
        return bench.runAll();
    }

    private int runAll() throws Exception {
        Files.createDirectories(out);
        StringBuilder machine = new StringBuilder();
        Machine.describe().forEach((key, value) -> machine.append(machine.length() == 0 ? "" : ", ").append(key)
                .append(' ').append(value));
        console.printf(Locale.ROOT, "Relay benchmarks (%s)%nMachine: %s%n", quick
                ? "quick smoke run: sizes are tiny and the numbers mean nothing" : "full run", machine);
        json.put("quick", quick);
        json.set("machine", Json.MAPPER.valueToTree(Machine.describe()));
        markdown.append("# Relay benchmark results").append(quick ? " (quick smoke run: numbers mean nothing)" : "")
                .append("\n\nMachine: ").append(machine).append("\n\n")
                .append("Every system runs in its own process on this machine, beside the load generator. Systems take "
                        + "turns within each scenario; values are medians over the rounds, with min-max.\n");
        boolean mosquitto = MosquittoProcess.binary() != null;
        if (!mosquitto) {
            console.println("Mosquitto is not installed: the outside peer is skipped (apt-get install mosquitto)");
            markdown.append("\nMosquitto was not installed on this machine: the outside peer is missing.\n");
        }
        if (scenarios.contains("1")) {
            throughput(mosquitto);
        }
        if (scenarios.contains("2")) {
            latency(mosquitto);
        }
        if (scenarios.contains("3")) {
            drain(mosquitto);
        }
        if (scenarios.contains("4")) {
            storm(mosquitto);
        }
        if (scenarios.contains("5")) {
            signatures();
        }
        Files.writeString(out.resolve("results.json"), Json.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(json));
        Files.writeString(out.resolve("results.md"), markdown.toString());
        console.println("Results: " + out.resolve("results.md") + ", results.json and *.png in " + out);
        if (!allOk && quick) {
            // Whether everything arrives before a deadline depends on timing, and CI judges no timing: a quick run
            // fails only when a scenario cannot run at all (an exception).
            console.println("Some measurements were incomplete (INCOMPLETE or 'late or lost' above); a quick run does"
                    + " not fail on that, a full run does.");
            return 0;
        }
        return allOk ? 0 : 1;
    }

    // ---------------------------------------------------------------- scenario 1

    private void throughput(boolean mosquitto) throws Exception {
        ThroughputScenario scenario = quick ? new ThroughputScenario(2, 300) : new ThroughputScenario(8, 2000);
        AmqpThroughputScenario amqp = quick ? new AmqpThroughputScenario(2, 300) : new AmqpThroughputScenario(8, 2000);
        int rounds = quick ? 2 : 3;
        section("1. Point-to-point throughput", scenario.describe() + " (AMQP: the same, unsettled until accepted)",
                rounds);
        Map<String, Stats> rates = new LinkedHashMap<>();
        for (String broker : BROKERS) {
            try (Group group = Group.start(broker, mosquitto && broker.equals("hivemq"), false)) {
                List<Target> targets = new ArrayList<>(group.targets);
                group.targets.stream().filter(target -> target.amqp() != null)
                        .forEach(target -> targets.add(new ViaTarget(target, ViaTarget.AMQP)));
                Map<Target, List<ThroughputScenario.Result>> results = interleave(targets, rounds, target -> {
                    ThroughputScenario.Result result = target instanceof ViaTarget via
                            ? amqp.run(via.inner()) : scenario.run(target);
                    return new Measured<>(result, result.ok(), String.format(Locale.ROOT, "%,.0f msg/s%s",
                            result.messagesPerSecond(), result.ok() ? "" : " (INCOMPLETE: " + result.delivered()
                                    + " delivered, " + result.refused() + " refused)"));
                });
                results.forEach((target, list) -> rates.put(target.name(),
                        stats(list, ThroughputScenario.Result::messagesPerSecond)));
            }
        }
        table(List.of("system", "msg/s (min-max)", "ratio to its bare broker"), rates, (name, stats) -> List.of(
                range(stats, "%,.0f"), ratioToBare(name, rates)));
        record("throughput", rates);
        Charts.bars(out.resolve("1-throughput.png"), "Point-to-point throughput (MQTT 5 QoS 1; AMQP)", "messages/s",
                List.copyOf(rates.keySet()), Map.of("msg/s", medians(rates)));
        goal("Relay on HiveMQ keeps >= 80% of bare HiveMQ's throughput", ratio(rates, "HiveMQ + Relay", "HiveMQ bare"),
                0.8, true, "%.2f");
    }

    // ---------------------------------------------------------------- scenario 2

    private void latency(boolean mosquitto) throws Exception {
        int[] rates = quick ? new int[] {200} : new int[] {1000, 5000};
        int seconds = quick ? 2 : 5;
        int rounds = quick ? 1 : 3;
        section("2. Latency at a fixed offered rate", "one sender -> one MQTT device, signed envelopes, "
                + seconds + " s per run, first second not counted", rounds);
        ObjectNode node = json.putObject("latency");
        Map<String, List<Double>> p99Series = new LinkedHashMap<>();
        List<String> categories = new ArrayList<>();
        for (int rate : rates) {
            Map<String, Stats[]> byName = new LinkedHashMap<>();
            for (String broker : BROKERS) {
                try (Group group = Group.start(broker, mosquitto && broker.equals("hivemq"), false)) {
                    List<Target> viaWs = group.targets.stream().filter(Target::relay).toList();
                    LatencyScenario mqtt = new LatencyScenario(rate, seconds, LatencyScenario.Via.MQTT);
                    LatencyScenario ws = new LatencyScenario(rate, seconds, LatencyScenario.Via.WEBSOCKET);
                    List<Target> runs = new ArrayList<>(group.targets);
                    List<Target> wsTargets = viaWs.stream().map(target -> new ViaTarget(target, ViaTarget.WEBSOCKET))
                            .map(Target.class::cast).toList();
                    runs.addAll(wsTargets);
                    Map<Target, List<LatencyScenario.Result>> results = interleave(runs, rounds, target -> {
                        LatencyScenario.Result result = target instanceof ViaTarget wsTarget
                                ? ws.run(wsTarget.inner) : mqtt.run(target);
                        return new Measured<>(result, result.ok(), String.format(Locale.ROOT,
                                "%d/s: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms%s", rate, result.p50(), result.p99(),
                                result.p999(), result.ok() ? "" : " (" + result.lost() + " late or lost)"));
                    });
                    results.forEach((target, list) -> byName.put(target.name(), new Stats[] {
                            stats(list, LatencyScenario.Result::p50), stats(list, LatencyScenario.Result::p99),
                            stats(list, LatencyScenario.Result::p999),
                            Stats.of(list.stream().map(result -> (double) result.lost()).toList())}));
                }
            }
            markdown.append("\n**").append(String.format(Locale.ROOT, "%,d", rate)).append(" messages/s**\n\n")
                    .append("| system | p50 ms | p99 ms | p99.9 ms | late or lost (median) |\n|---|---|---|---|---|\n");
            ObjectNode rateNode = node.putObject(Integer.toString(rate));
            byName.forEach((name, stats) -> {
                markdown.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.0f |%n", name,
                        range(stats[0], "%.2f"), range(stats[1], "%.2f"), range(stats[2], "%.2f"), stats[3].median()));
                ObjectNode entry = rateNode.putObject(name);
                entry.set("p50_ms", Json.MAPPER.valueToTree(stats[0]));
                entry.set("p99_ms", Json.MAPPER.valueToTree(stats[1]));
                entry.set("p999_ms", Json.MAPPER.valueToTree(stats[2]));
                entry.put("lost_median", stats[3].median());
                p99Series.computeIfAbsent(name, key -> new ArrayList<>()).add(stats[1].median());
            });
            categories.add(rate + " msg/s");
            if (rate == 1000) {
                Stats[] relay = byName.get("HiveMQ + Relay");
                goal("p99 at 1k/s under 5 ms end to end (HiveMQ + Relay, MQTT)", relay == null ? Double.NaN
                        : relay[1].median(), 5.0, false, "%.2f ms");
            }
        }
        Charts.bars(out.resolve("2-latency-p99.png"), "p99 latency by offered rate", "milliseconds", categories,
                p99Series);
    }

    // ---------------------------------------------------------------- scenario 3

    private void drain(boolean mosquitto) throws Exception {
        DrainScenario scenario = quick ? new DrainScenario(20, 10) : new DrainScenario(1000, 100);
        int rounds = quick ? 1 : 2;
        section("3. Offline drain", scenario.describe(), rounds);
        Map<String, Stats> rates = new LinkedHashMap<>();
        Map<String, DrainScenario.Result> last = new LinkedHashMap<>();
        for (String broker : BROKERS) {
            try (Group group = Group.start(broker, mosquitto && broker.equals("hivemq"), true)) {
                Map<Target, List<DrainScenario.Result>> results = interleave(group.targets, rounds, target -> {
                    DrainScenario.Result result = scenario.run(target);
                    return new Measured<>(result, result.ok(), String.format(Locale.ROOT,
                            "%,d delivered in %.1f s = %,.0f msg/s; heap %s, disk %s while queued%s", result.delivered(),
                            result.seconds(), result.messagesPerSecond(), mib(result.heapBytes()),
                            mib(result.diskBytes()), result.ok() ? "" : " (INCOMPLETE, " + result.refused()
                                    + " refused)"));
                }, false);
                results.forEach((target, list) -> {
                    rates.put(target.name(), stats(list, DrainScenario.Result::messagesPerSecond));
                    last.put(target.name(), list.get(list.size() - 1));
                });
            }
        }
        table(List.of("system", "drain msg/s", "drain time s", "heap while queued", "disk while queued",
                "ratio to its bare broker"), rates, (name, stats) -> List.of(range(stats, "%,.0f"),
                String.format(Locale.ROOT, "%.1f", last.get(name).seconds()), mib(last.get(name).heapBytes()),
                mib(last.get(name).diskBytes()), ratioToBare(name, rates)));
        record("drain", rates);
        Charts.bars(out.resolve("3-drain.png"), "Offline drain", "messages/s", List.copyOf(rates.keySet()),
                Map.of("msg/s", medians(rates)));
        goal("drain at 20k messages/s or better (HiveMQ + Relay)", median(rates, "HiveMQ + Relay"), 20_000, true,
                "%,.0f msg/s");
    }

    // ---------------------------------------------------------------- scenario 4

    private void storm(boolean mosquitto) throws Exception {
        StormScenario scenario = new StormScenario(quick ? 200 : 10_000);
        int rounds = quick ? 1 : 2;
        section("4. Connection storm", scenario.describe(), rounds);
        Map<String, Stats> rates = new LinkedHashMap<>();
        Map<String, StormScenario.Result> last = new LinkedHashMap<>();
        for (String broker : BROKERS) {
            try (Group group = Group.start(broker, mosquitto && broker.equals("hivemq"), true)) {
                Map<Target, List<StormScenario.Result>> results = interleave(group.targets, rounds, target -> {
                    StormScenario.Result result = scenario.run(target);
                    return new Measured<>(result, result.ok(), String.format(Locale.ROOT,
                            "%,.0f connects/s, %s heap and %s resident per idle connection%s",
                            result.connectsPerSecond(), bytes(result.heapBytesPerConnection()),
                            bytes(result.residentBytesPerConnection()),
                            result.ok() ? "" : " (" + result.failed() + " failed)"));
                }, false);
                results.forEach((target, list) -> {
                    rates.put(target.name(), stats(list, StormScenario.Result::connectsPerSecond));
                    last.put(target.name(), list.get(list.size() - 1));
                });
            }
        }
        table(List.of("system", "connects/s", "heap per idle connection", "resident per idle connection",
                "ratio to its bare broker"), rates, (name, stats) -> List.of(range(stats, "%,.0f"),
                bytes(last.get(name).heapBytesPerConnection()), bytes(last.get(name).residentBytesPerConnection()),
                ratioToBare(name, rates)));
        record("storm", rates);
        Charts.bars(out.resolve("4-connection-storm.png"), "Connection storm", "connects/s",
                List.copyOf(rates.keySet()), Map.of("connects/s", medians(rates)));
        goal("2k verified connects/s or better (HiveMQ + Relay)", median(rates, "HiveMQ + Relay"), 2_000, true,
                "%,.0f/s");
    }

    // ---------------------------------------------------------------- scenario 5

    private void signatures() throws Exception {
        section("5. Signature cost", "Ed25519 on one thread: JMH for Bouncy Castle and the JDK provider, and "
                + "`openssl speed ed25519`", quick ? 1 : 5);
        Map<String, Stats> perSecond = new SignatureScenario(quick).run();
        console.println("  " + perSecond);
        markdown.append("| implementation | sign/s | verify/s |\n|---|---|---|\n");
        for (String impl : List.of("bc", "jdk", "openssl")) {
            Stats sign = perSecond.get(impl + "Sign");
            Stats verify = perSecond.get(impl + "Verify");
            if (sign == null || verify == null) {
                continue;
            }
            String label = switch (impl) {
                case "bc" -> "Bouncy Castle (what Relay uses)";
                case "jdk" -> "JDK provider";
                default -> "OpenSSL";
            };
            markdown.append(String.format(Locale.ROOT, "| %s | %s | %s |%n", label, range(sign, "%,.0f"),
                    range(verify, "%,.0f")));
        }
        record("signatures", perSecond);
        List<String> names = List.of("sign", "verify");
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String impl : List.of("bc", "jdk", "openssl")) {
            if (perSecond.containsKey(impl + "Sign")) {
                series.put(impl, List.of(perSecond.get(impl + "Sign").median(), perSecond.get(impl + "Verify").median()));
            }
        }
        Charts.bars(out.resolve("5-signatures.png"), "Ed25519 operations per second, one thread", "operations/s",
                names, series);
    }

    // ---------------------------------------------------------------- running and reporting

    /** One measurement, whether it completed, and a line for the console. */
    record Measured<R>(R result, boolean ok, String line) {
    }

    @FunctionalInterface
    interface Measurement<R> {
        Measured<R> run(Target target) throws Exception;
    }

    private <R> Map<Target, List<R>> interleave(List<Target> targets, int rounds, Measurement<R> measurement)
            throws Exception {
        return interleave(targets, rounds, measurement, true);
    }

    /** Each target once unmeasured (if {@code warmUp}), then {@code rounds} rounds in alternating order. */
    private <R> Map<Target, List<R>> interleave(List<Target> targets, int rounds, Measurement<R> measurement,
                                                boolean warmUp) throws Exception {
        if (warmUp) {
            for (Target target : targets) {
                measurement.run(target);
            }
        }
        Map<Target, List<R>> results = new LinkedHashMap<>();
        targets.forEach(target -> results.put(target, new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            List<Target> order = new ArrayList<>(targets);
            if (round % 2 == 1) {
                java.util.Collections.reverse(order); // A B C, then C B A: no system always runs on a warmer machine
            }
            for (Target target : order) {
                Measured<R> measured = measurement.run(target);
                allOk &= measured.ok();
                results.get(target).add(measured.result());
                console.printf(Locale.ROOT, "  %-26s round %d: %s%n", target.name(), round + 1, measured.line());
            }
        }
        return results;
    }

    private void section(String title, String method, int rounds) {
        console.println(title + ": " + method);
        markdown.append("\n## ").append(title).append("\n\n").append(method).append("; ").append(rounds)
                .append(rounds == 1 ? " round" : " rounds").append(".\n\n");
    }

    private interface Row {
        List<String> cells(String name, Stats stats);
    }

    private void table(List<String> header, Map<String, Stats> rows, Row row) {
        markdown.append("| ").append(String.join(" | ", header)).append(" |\n|")
                .append("---|".repeat(header.size())).append('\n');
        rows.forEach((name, stats) -> markdown.append("| ").append(name).append(" | ")
                .append(String.join(" | ", row.cells(name, stats))).append(" |\n"));
    }

    private void record(String scenario, Map<String, Stats> values) {
        ObjectNode node = json.putObject(scenario);
        values.forEach((name, stats) -> node.set(name, Json.MAPPER.valueToTree(stats)));
    }

    private void goal(String goal, double value, double threshold, boolean atLeast, String format) {
        boolean met = !Double.isNaN(value) && (atLeast ? value >= threshold : value < threshold);
        String line = String.format(Locale.ROOT, "Goal: %s: %s -> %s", goal, String.format(Locale.ROOT, format, value),
                quick ? "not judged in a quick run" : met ? "met" : "NOT met");
        console.println(line);
        markdown.append("\n").append(line).append('\n');
        ArrayNode goals = json.has("goals") ? (ArrayNode) json.get("goals") : json.putArray("goals");
        ObjectNode entry = goals.addObject();
        entry.put("goal", goal);
        entry.put("value", value);
        entry.put("met", met);
    }

    private static <R> Stats stats(List<R> results, ToDoubleFunction<R> metric) {
        return Stats.of(results.stream().map(result -> metric.applyAsDouble(result)).toList());
    }

    private static List<Double> medians(Map<String, Stats> values) {
        return values.values().stream().map(Stats::median).toList();
    }

    private static double median(Map<String, Stats> values, String name) {
        Stats stats = values.get(name);
        return stats == null ? Double.NaN : stats.median();
    }

    private static double ratio(Map<String, Stats> values, String name, String base) {
        return median(values, name) / median(values, base);
    }

    /**
     * Relay targets against their bare broker on the same protocol (MQTT unless named), the peer against bare HiveMQ;
     * "-" for the bare brokers themselves.
     */
    private static String ratioToBare(String name, Map<String, Stats> values) {
        String base;
        if (name.equals("Mosquitto")) {
            base = "HiveMQ bare";
        } else if (name.contains(" + Relay")) {
            base = name.substring(0, name.indexOf(' ')) + " bare" + (name.endsWith(" (AMQP)") ? " (AMQP)" : "");
        } else {
            return "-";
        }
        if (!values.containsKey(base)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", ratio(values, name, base));
    }

    private static String range(Stats stats, String format) {
        return String.format(Locale.ROOT, format + " (" + format + "-" + format + ")", stats.median(), stats.min(),
                stats.max());
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String bytes(long bytes) {
        return bytes < 0 ? "n/a" : bytes < 10_240 ? bytes + " B" : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    /** The processes of one comparison: the bare broker, the broker with Relay, and the peer where asked. */
    private static final class Group implements AutoCloseable {
        final List<Target> targets = new ArrayList<>();

        static Group start(String broker, boolean withMosquitto, boolean bigHeap) throws IOException {
            Group group = new Group();
            String heap = bigHeap ? "2g" : "1g";
            try {
                group.targets.add(BrokerProcess.start(broker, true, Map.of(), heap));
                group.targets.add(BrokerProcess.start(broker, false, UNTHROTTLED, heap));
                if (withMosquitto) {
                    group.targets.add(MosquittoProcess.start());
                }
            } catch (IOException | RuntimeException e) {
                group.close();
                throw e;
            }
            return group;
        }

        @Override
        public void close() {
            targets.forEach(Target::close);
        }
    }

    /** A target reached another way than by MQTT: by an agent on the WebSocket gateway, or by AMQP 1.0. */
    private record ViaTarget(Target inner, String via) implements Target {
        static final String WEBSOCKET = "WebSocket";
        static final String AMQP = "AMQP";

        @Override
        public String name() {
            return inner.name() + " (" + via + ")";
        }

        @Override
        public boolean relay() {
            return inner.relay();
        }

        @Override
        public java.net.URI amqp() {
            return inner.amqp();
        }

        @Override
        public java.net.URI mqtt() {
            return inner.mqtt();
        }

        @Override
        public String realm() {
            return inner.realm();
        }

        @Override
        public java.net.URI gateway() {
            return inner.gateway();
        }

        @Override
        public long heapUsedAfterGc() {
            return inner.heapUsedAfterGc();
        }

        @Override
        public long pid() {
            return inner.pid();
        }

        @Override
        public java.nio.file.Path dataFolder() {
            return inner.dataFolder();
        }

        @Override
        public void close() {
            // the inner target belongs to its group
        }
    }
}
