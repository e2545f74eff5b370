package dev.relay.cli;

import dev.relay.client.RelayClientException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code relay} command. Errors print one line, {@code relay: <code>: <text>} with the SPEC's code where the relay
 * gave one, and exit with a code from {@link ExitCodes}.
 */
@Command(name = "relay", mixinStandardHelpOptions = true, versionProvider = RelayCli.Version.class,
        subcommands = {UpCommand.class, DemoCommand.class, KeygenCommand.class, WhoamiCommand.class,
                SendCommand.class, ListenCommand.class, ThreadCommand.class, DiscoverCommand.class,
                ProfileCommand.class, PolicyCommand.class, ReceiptsCommand.class, BenchCommand.class,
                CrashCommand.class, SoakCommand.class},
        description = {"Relay: signed messages between AI agents and IoT devices, inside HiveMQ or Artemis.",
                "", "Start with './relay up', then './relay demo' in a second terminal."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:refused by the relay (its code is printed) or not what was awaited",
                "2:bad command line", "3:relay unreachable or connection lost", "4:local problem (key file, ports)"})
public final class RelayCli implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Grizzly and Tyrus log through java.util.logging: route it into logback's configuration.
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line with the given output streams; returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new RelayCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(e, commandLine.getErr()));
        cli.setParameterExceptionHandler((e, arguments) -> {
            PrintWriter errors = e.getCommandLine().getErr();
            errors.println("relay: usage: " + e.getMessage());
            errors.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            errors.flush();
            return ExitCodes.USAGE;
        });
        return cli.execute(KeyIdConverter.shieldKeyIdsThatLookLikeOptions(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int report(Throwable failure, PrintWriter err) {
        Throwable e = failure;
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        int exit;
        String line;
        if (e instanceof CliException cli) {
            line = cli.code() + ": " + cli.getMessage();
            exit = cli.exitCode();
        } else if (e instanceof RelayClientException relay) {
            line = relay.getMessage(); // already "<code>: <text>"
            exit = ExitCodes.of(relay);
        } else if (e instanceof IOException io) {
            line = "io: " + io.getMessage();
            exit = ExitCodes.LOCAL;
        } else {
            line = "internal: " + e;
            exit = ExitCodes.REFUSED;
        }
        err.println("relay: " + line);
        err.flush();
        return exit;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = RelayCli.class.getPackage().getImplementationVersion();
            return new String[] {"relay " + (version == null ? "0.1.0-SNAPSHOT" : version) + " (protocol v1)"};
        }
    }
}
