package dev.relay.cli;

import dev.relay.bench.BenchMain;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure what Relay costs against the bare brokers and Mosquitto.",
                "HiveMQ and Artemis with and without Relay (and Mosquitto, when it is installed), each in its own",
                "process, taking turns on this machine. Five scenarios: throughput, latency at fixed rates, offline",
                "drain, connection storm, signature cost. Writes results.json, results.md and PNG charts. The full",
                "run takes about 25 minutes on 2 cores; --quick about three and only checks that the harness works",
                "(its numbers mean nothing)."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "Tiny sizes, one or two rounds: a smoke run of every scenario.")
    boolean quick;

    @Option(names = "--scenarios", paramLabel = "DIGITS", defaultValue = "12345",
            description = "Which scenarios to run, by number (default: ${DEFAULT-VALUE}).")
    String scenarios;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Results folder (default: bench/results/<date-time>, or bench/target/quick with --quick).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!scenarios.matches("[1-5]+")) {
            throw new CliException("usage", "--scenarios takes digits 1 to 5, e.g. 125", ExitCodes.USAGE);
        }
        Path results = out;
        if (results == null && System.getenv("RELAY_HOME") != null) {
            results = Path.of(System.getenv("RELAY_HOME")).resolve(BenchMain.defaultOut(quick)); // the checkout's bench/
        }
        return BenchMain.run(quick, scenarios, results, System.out) == 0 ? ExitCodes.OK : ExitCodes.REFUSED;
    }
}
