package dev.relay.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Json;
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

/**
 * Runs the benchmark scenarios and writes {@code results.json} and {@code results.md}. Every system under test runs in
 * its own process; measurements alternate between the systems of a comparison (A B, then B A, ...), each round after
 * an unmeasured warm-up round, and each system's median and spread are reported with the ratio Relay / bare.
 *
 * <pre>java -cp ... dev.relay.bench.BenchMain [--quick] [--out DIR]</pre>
 */
public final class BenchMain {
    /** Relay's per-identity rate limit would measure the limit, not the relay. */
    static final Map<String, String> UNTHROTTLED = Map.of("relay.rate.sends-per-minute", "10000000",
            "relay.rate.burst", "10000000");

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> out = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: BenchMain [--quick] [--out DIR]");
                    System.exit(2);
                }
            }
        }
        if (out == null) {
            out = quick ? Path.of("bench", "target", "quick")
                    : Path.of("bench", "results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmm")));
        }
        System.exit(run(quick, out, System.out));
    }

    /** Runs the set; returns 0 when every measurement completed (no timing goals are judged here). */
    public static int run(boolean quick, Path out, PrintStream console) throws Exception {
        int pairs = quick ? 2 : 8;
        int perSender = quick ? 300 : 5000;
        int rounds = quick ? 2 : 5;
        ThroughputScenario throughput = new ThroughputScenario(pairs, perSender);
        console.printf(Locale.ROOT, "Relay benchmarks (%s): %s%n", quick ? "quick smoke run, numbers mean nothing"
                : "full run", Machine.describe());
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.put("quick", quick);
        report.set("machine", Json.MAPPER.valueToTree(Machine.describe()));
        ArrayNode comparisons = report.putArray("throughput");
        StringBuilder markdown = new StringBuilder("# Relay benchmark results\n\nMachine: " + Machine.describe()
                + "\n\n## 1. Point-to-point throughput (MQTT 5, QoS 1, signed envelopes with " + ThroughputScenario.BODY_BYTES
                + "-byte bodies, " + pairs + " senders -> " + pairs + " recipients, " + perSender
                + " messages each, median of " + rounds + " rounds)\n\n"
                + "| broker | bare msg/s (min-max) | with Relay msg/s (min-max) | Relay / bare |\n|---|---|---|---|\n");
        boolean allComplete = true;
        for (String broker : List.of("hivemq", "artemis")) {
            List<Double> bare = new ArrayList<>();
            List<Double> relay = new ArrayList<>();
            try (BrokerProcess bareBroker = BrokerProcess.start(broker, true, Map.of(), "1g");
                 BrokerProcess relayBroker = BrokerProcess.start(broker, false, UNTHROTTLED, "1g")) {
                throughput.run(bareBroker, false); // warm-up, not counted
                throughput.run(relayBroker, true);
                for (int round = 0; round < rounds; round++) {
                    boolean bareFirst = round % 2 == 0; // A B, then B A: neither side always runs on a warmer machine
                    for (int side = 0; side < 2; side++) {
                        boolean measureBare = (side == 0) == bareFirst;
                        ThroughputScenario.Result result = measureBare ? throughput.run(bareBroker, false)
                                : throughput.run(relayBroker, true);
                        allComplete &= result.complete() && result.refused() == 0;
                        (measureBare ? bare : relay).add(result.messagesPerSecond());
                        console.printf(Locale.ROOT, "  %-8s %-6s round %d: %,.0f msg/s%s%n", broker,
                                measureBare ? "bare" : "relay", round + 1, result.messagesPerSecond(),
                                result.complete() ? "" : " (INCOMPLETE: " + result.delivered() + " delivered, "
                                        + result.refused() + " refused)");
                    }
                }
            }
            Stats bareStats = Stats.of(bare);
            Stats relayStats = Stats.of(relay);
            double ratio = relayStats.median() / bareStats.median();
            ObjectNode comparison = comparisons.addObject();
            comparison.put("broker", broker);
            comparison.set("bare", Json.MAPPER.valueToTree(bare));
            comparison.set("relay", Json.MAPPER.valueToTree(relay));
            comparison.put("bare_median", bareStats.median());
            comparison.put("relay_median", relayStats.median());
            comparison.put("ratio", ratio);
            markdown.append(String.format(Locale.ROOT, "| %s | %,.0f (%,.0f-%,.0f) | %,.0f (%,.0f-%,.0f) | %.2f |%n",
                    broker, bareStats.median(), bareStats.min(), bareStats.max(), relayStats.median(),
                    relayStats.min(), relayStats.max(), ratio));
            console.printf(Locale.ROOT, "%s: Relay / bare = %.2f (medians %,.0f / %,.0f msg/s)%n", broker, ratio,
                    relayStats.median(), bareStats.median());
        }
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.json"),
                Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        Files.writeString(out.resolve("results.md"), markdown.toString());
        console.println("Results: " + out.resolve("results.md") + " and results.json");
        return allComplete ? 0 : 1;
    }

}
