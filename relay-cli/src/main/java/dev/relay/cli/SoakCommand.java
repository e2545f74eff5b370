package dev.relay.cli;

import dev.relay.bench.SoakMain;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Soak test: a mixed load for many minutes, watching for leaks and lost messages.",
                "Starts a broker with Relay and the gateway in a process of its own and runs a mixed load for the",
                "given minutes (MQTT devices that go offline and switch their policy, WebSocket agents, a refused",
                "stranger) with Relay's default limits, sampling heap after GC, threads, open files and store size.",
                "Fails (exit 1) on errors, lost messages or growing resources."})
final class SoakCommand implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "30", description = "How long (default: ${DEFAULT-VALUE}).")
    int minutes;

    @Option(names = "--broker", defaultValue = "hivemq", paramLabel = "hivemq|artemis",
            description = "Which broker (default: ${DEFAULT-VALUE}).")
    String broker;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write the report to DIR/soak.md.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (minutes < 1 || !broker.matches("hivemq|artemis")) {
            throw new CliException("usage", "--minutes at least 1; --broker hivemq or artemis", ExitCodes.USAGE);
        }
        return SoakMain.run(minutes, broker, out, System.out) == 0 ? ExitCodes.OK : ExitCodes.REFUSED;
    }
}
