package dev.relay.cli;

import dev.relay.protocol.KeyFiles;
import dev.relay.protocol.RelayKeyPair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Create a new identity: an Ed25519 key file (mode 0600). Prints the key id to give to others.")
final class KeygenCommand implements Callable<Integer> {
    @Option(names = {"-k", "--key"}, paramLabel = "FILE",
            description = "Where to write it. Default: $RELAY_KEY, else <data>/keys/me.key.")
    Path key;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: $RELAY_DATA, else ./relay-data).")
    Path data;

    @Option(names = "--force", description = "Replace an existing key file (its identity is lost for good).")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path file = Workspace.keyFile(key, data);
        if (Files.exists(file) && !force) {
            throw new CliException("key_exists", file + " already exists (it is " + KeyFiles.load(file).keyId()
                    + "); use --force to replace it", ExitCodes.LOCAL);
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        RelayKeyPair created = RelayKeyPair.generate();
        KeyFiles.save(file, created, force);
        spec.commandLine().getOut().println(created.keyId());
        spec.commandLine().getErr().println("Wrote " + file + " (did " + created.keyId().didKey() + ")");
        return ExitCodes.OK;
    }
}
