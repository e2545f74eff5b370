package dev.relay.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the {@link CrashHarness} on each broker and prints the counts; exit code 0 only if every check held.
 *
 * <pre>java -cp ... dev.relay.bench.CrashMain [hivemq|artemis|both] [ROUNDS] [SEED]</pre>
 */
public final class CrashMain {
    private CrashMain() {
    }

    public static void main(String[] args) throws Exception {
        String brokers = args.length > 0 ? args[0] : "both";
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : System.nanoTime();
        boolean bare = args.length > 3 && args[3].equals("bare");
        System.exit(run(brokers, bare, rounds, seed, System.out));
    }

    /** Runs {@code rounds} kill-and-restart rounds on each of {@code brokers}; 0 when nothing was lost. */
    public static int run(String brokers, boolean bare, int rounds, long seed, PrintStream out) throws Exception {
        List<String> names = "both".equals(brokers) ? List.of("hivemq", "artemis") : List.of(brokers);
        List<CrashHarness.Result> results = new ArrayList<>();
        for (String broker : names) {
            out.printf("crash: %s%s, %d rounds of SIGKILL and restart (seed %d)%n", broker,
                    bare ? " (bare)" : " + Relay", rounds, seed);
            CrashHarness.Result result = new CrashHarness(broker, bare, rounds, seed, out).run();
            results.add(result);
            print(result, out);
        }
        boolean ok = results.stream().allMatch(CrashHarness.Result::ok);
        out.println(ok ? "crash: every acknowledged message was delivered; stores intact"
                : "crash: FAILED (see above)");
        return ok ? 0 : 1;
    }

    private static void print(CrashHarness.Result result, PrintStream out) {
        CrashLedger.Verdict v = result.verdict();
        out.printf("  %s: %d rounds in %.0f s; sent %d, acknowledged %d, refused %d; delivered %d (duplicates %d);"
                        + " acknowledged and expired before delivery %d; LOST %d; delivered after TTL %d;"
                        + " unexpected %d%n", result.broker(), result.rounds(), result.seconds(), v.sent(),
                v.acknowledged(), v.refused(), v.delivered(), v.duplicates(), v.expiredUndelivered(), v.lost(),
                v.late(), v.unexpected());
        if (!v.lostExamples().isEmpty()) {
            out.println("  lost, e.g.: " + v.lostExamples());
        }
        CrashHarness.StoreCheck store = result.store();
        out.printf("  %s store: integrity %s; audit chain %s (%d records)%s%n", result.broker(), store.integrity(),
                store.auditIntact() ? "intact" : "BROKEN", store.auditRecords(),
                store.auditProblem() == null ? "" : ": " + store.auditProblem());
    }
}
