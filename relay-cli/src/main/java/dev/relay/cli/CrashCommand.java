package dev.relay.cli;

import dev.relay.bench.CrashMain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "crash", mixinStandardHelpOptions = true,
        description = {"Crash durability: kill the broker under load, restart it, check that nothing was lost.",
                "Runs each broker with Relay in a process of its own, kills it with SIGKILL at a random point of",
                "each round while MQTT (and, on Artemis, AMQP) clients send and read, restarts it on the same data",
                "folder, then drains every inbox. Fails (exit 1) if an acknowledged message was not delivered, a",
                "message arrived after its TTL, or the relay store or its audit chain is damaged."})
final class CrashCommand implements Callable<Integer> {
    @Option(names = "--broker", defaultValue = "both", paramLabel = "hivemq|artemis|both",
            description = "Which broker (default: ${DEFAULT-VALUE}).")
    String broker;

    @Option(names = "--rounds", defaultValue = "4", description = "Kill-and-restart rounds per broker (default: "
            + "${DEFAULT-VALUE}; about 12 s a round).")
    int rounds;

    @Option(names = "--seed", description = "Seed for the kill points and the traffic (default: random, printed).")
    Long seed;

    @Option(names = "--bare", description = "The broker without Relay, to tell the broker's own durability apart.")
    boolean bare;

    @Override
    public Integer call() throws Exception {
        if (!broker.matches("hivemq|artemis|both") || rounds < 1) {
            throw new CliException("usage", "--broker takes hivemq, artemis or both; --rounds at least 1",
                    ExitCodes.USAGE);
        }
        long chosen = seed != null ? seed : System.nanoTime();
        return CrashMain.run(broker, bare, rounds, chosen, System.out) == 0 ? ExitCodes.OK : ExitCodes.REFUSED;
    }
}
