package dev.relay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.RelayClient;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.PolicyMode;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "policy", mixinStandardHelpOptions = true,
        subcommands = {PolicyCommand.Show.class, PolicyCommand.Set.class, PolicyCommand.Add.class,
                PolicyCommand.Remove.class},
        description = {"Who may write to your inbox (SPEC §5): open, closed, allowlist or blocklist.",
                "Example: relay policy set allowlist --allow <controller key id>"})
final class PolicyCommand {
    /** Prints a policy as {@code policy.get} returns it. */
    static void print(ClientCommand command, JsonNode policy) {
        command.out().println("mode  " + policy.path("mode").asText());
        command.out().println("allow " + policy.path("allow"));
        command.out().println("block " + policy.path("block"));
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show your inbox policy.")
    static final class Show extends ClientCommand implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            try (RelayClient client = connection.connect()) {
                print(this, await(client.policyGet()));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set the mode, and optionally replace the lists.")
    static final class Set extends ClientCommand implements Callable<Integer> {
        @Parameters(paramLabel = "MODE", description = "open, closed, allowlist or blocklist.")
        String mode;

        @Option(names = "--allow", converter = KeyIdConverter.class, split = ",", paramLabel = "KEY_ID",
                description = "Replace the allow list (repeatable or comma-separated).")
        List<KeyId> allow;

        @Option(names = "--block", converter = KeyIdConverter.class, split = ",", paramLabel = "KEY_ID",
                description = "Replace the block list (repeatable or comma-separated).")
        List<KeyId> block;

        @Override
        public Integer call() throws Exception {
            PolicyMode parsed;
            try {
                parsed = PolicyMode.valueOf(mode.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CliException("bad_option", "MODE must be open, closed, allowlist or blocklist, not " + mode,
                        ExitCodes.USAGE);
            }
            try (RelayClient client = connection.connect()) {
                print(this, await(client.policySet(parsed, allow, block)));
            }
            return ExitCodes.OK;
        }
    }

    /** {@code policy.add} and {@code policy.remove}: the same arguments, another operation. */
    abstract static class ListChange extends ClientCommand implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "LIST", description = "allow or block.")
        String list;

        @Parameters(index = "1..*", arity = "1..*", converter = KeyIdConverter.class, paramLabel = "KEY_ID")
        List<KeyId> keys;

        abstract java.util.concurrent.CompletableFuture<JsonNode> change(RelayClient client, String list,
                                                                         List<KeyId> keys);

        @Override
        public Integer call() throws Exception {
            try (RelayClient client = connection.connect()) {
                print(this, await(change(client, checkList(list), keys)));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add keys to the allow or block list.")
    static final class Add extends ListChange {
        @Override
        java.util.concurrent.CompletableFuture<JsonNode> change(RelayClient client, String list, List<KeyId> keys) {
            return client.policyAdd(list, keys);
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove keys from the allow or block list.")
    static final class Remove extends ListChange {
        @Override
        java.util.concurrent.CompletableFuture<JsonNode> change(RelayClient client, String list, List<KeyId> keys) {
            return client.policyRemove(list, keys);
        }
    }

    static String checkList(String list) {
        if (!list.equals("allow") && !list.equals("block")) {
            throw new CliException("bad_option", "LIST must be allow or block, not " + list, ExitCodes.USAGE);
        }
        return list;
    }
}
