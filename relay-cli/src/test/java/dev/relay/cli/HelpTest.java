package dev.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** Every command, down to {@code policy set}, answers {@code --help} with its usage and exit code 0. */
class HelpTest {

    /** Every command path below {@code relay}, e.g. "send" and "policy set", read from the command tree itself. */
    static Stream<String> commands() {
        List<String> paths = new ArrayList<>();
        collect(new CommandLine(new RelayCli()), "", paths);
        return paths.stream();
    }

    private static void collect(CommandLine command, String prefix, List<String> paths) {
        command.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandSpec().name().equals(name)) { // aliases would repeat a command
                String path = prefix.isEmpty() ? name : prefix + " " + name;
                paths.add(path);
                collect(sub, path, paths);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandExplainsItself(String path) {
        List<String> args = new ArrayList<>(List.of(path.split(" ")));
        args.add("--help");

        Cli.Result help = Cli.runExactly(args.toArray(String[]::new));

        assertThat(help.exit()).as(help.err()).isZero();
        assertThat(help.err()).isEmpty();
        assertThat(help.out()).startsWith("Usage: relay " + path).contains("-h, --help");
        String description = help.out().lines().dropWhile(line -> line.startsWith("Usage:") || line.startsWith(" "))
                .findFirst().orElse("");
        assertThat(description).as("the first line after the usage of relay " + path).isNotBlank();
    }

    @Test
    void theCommandListShowsEachCommandsSummaryAsAWholeSentence() {
        assertThat(commands()).contains("up", "demo", "keygen", "whoami", "send", "listen", "thread", "discover",
                "profile", "policy", "policy show", "policy set", "receipts");
        Cli.Result help = Cli.runExactly("--help");

        assertThat(help.exit()).isZero();
        CommandLine relay = new CommandLine(new RelayCli());
        relay.getSubcommands().values().forEach(sub -> {
            String summary = sub.getCommandSpec().usageMessage().description()[0];
            assertThat(summary).as("summary of relay " + sub.getCommandName()).matches(".*[.)]$");
            assertThat(help.out()).contains(sub.getCommandName());
        });
    }
}
