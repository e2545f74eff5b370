package dev.relay.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.StringJoiner;

/**
 * Runs the {@link SoakRun} and writes its samples as a Markdown table; exit code 0 only if it passed.
 *
 * <pre>java -cp ... dev.relay.bench.SoakMain MINUTES [hivemq|artemis] [OUT_DIR]</pre>
 */
public final class SoakMain {
    private SoakMain() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String broker = args.length > 1 ? args[1] : "hivemq";
        Path out = args.length > 2 ? Path.of(args[2]) : null;
        System.exit(run(minutes, broker, out, System.out));
    }

    /** Soaks {@code broker} + Relay for {@code minutes}; writes {@code soak.md} into {@code out} when given. */
    public static int run(int minutes, String broker, Path out, PrintStream console) throws Exception {
        console.printf("soak: %s + Relay for %d minutes: %s%n", broker, minutes, machine());
        SoakRun.Result result = new SoakRun(broker, Duration.ofMinutes(minutes), console).run();
        String report = report(result);
        console.print(report);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("soak.md"), report);
            console.println("soak: report in " + out.resolve("soak.md"));
        }
        console.println(result.ok() ? "soak: passed" : "soak: FAILED");
        return result.ok() ? 0 : 1;
    }

    private static String machine() {
        StringJoiner text = new StringJoiner(", ");
        Machine.describe().forEach((key, value) -> text.add(key + " " + value));
        return text.toString();
    }

    static String report(SoakRun.Result result) throws IOException {
        CrashLedger.Verdict v = result.verdict();
        StringJoiner text = new StringJoiner("\n", "", "\n");
        text.add("## Soak: " + result.broker() + " + Relay, " + result.length().toMinutes() + " minutes");
        text.add("");
        text.add("Machine: " + machine() + ". Load: 20 MQTT devices (a reading every 4 s, offline 15 s a"
                + " minute, policy switched every 45 s), 2 WebSocket agents (a command every 3 s), 1 stranger (every"
                + " 5 s); Relay's default limits.");
        text.add("");
        text.add("| minute | heap after GC (MiB) | resident (MiB) | threads | open files | relay store (MiB) |");
        text.add("|---|---|---|---|---|---|");
        for (SoakRun.Sample s : result.samples()) {
            text.add(String.format("| %.1f | %.1f | %.1f | %d | %d | %.2f |", s.minute(), s.heapBytes() / 1048576.0,
                    s.residentBytes() / 1048576.0, s.threads(), s.openFiles(), s.storeBytes() / 1048576.0));
        }
        text.add("");
        text.add(String.format("Messages: %d sent, %d acknowledged, %d delivered (%d duplicates), %d lost, %d"
                        + " delivered after TTL, %d unexpected; %d refused by an allowlist (expected), %d policy"
                        + " answers; errors: %d. Resources flat (heap +16 MiB/15 %%, threads +10, files +20 from the"
                        + " first quarter on): %s.", v.sent(), v.acknowledged(), v.delivered(), v.duplicates(),
                v.lost(), v.late(), v.unexpected(), result.refusedByPolicy(), result.answers(), result.errors(),
                SoakRun.flat(result.samples()) ? "yes" : "NO"));
        return text.toString();
    }
}
