package dev.relay.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Runs {@code relay} in-process with captured output, as a script would see it. */
final class Cli {
    record Result(int exit, String out, String err) {
        String line() {
            return out.strip();
        }
    }

    private final List<String> common;

    /** {@code common} goes before every command's own arguments (e.g. --url, --realm, --data). */
    Cli(String... common) {
        this.common = List.of(common);
    }

    Result run(String command, String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(command.split(" ")));
        all.addAll(common);
        all.addAll(Arrays.asList(args));
        return runExactly(all.toArray(String[]::new));
    }

    /** {@code args}, then the common arguments: for command lines whose positional arguments come first. */
    Result runLine(String... args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(common);
        return runExactly(all.toArray(String[]::new));
    }

    /**
     * Commands against a relay that is not there (the discard port on loopback), key and data in {@code dir}: exit 3
     * means the command line itself was understood, exit 2 that it was refused before connecting.
     */
    static Cli unreachable(Path dir) {
        return new Cli("--url", "tcp://127.0.0.1:9", "--realm", "r", "--key", dir.resolve("me.key").toString(),
                "--data", dir.toString());
    }

    static Result runExactly(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = RelayCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }
}
