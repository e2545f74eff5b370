package dev.relay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.RelayClient;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.ProfileCard;
import dev.relay.protocol.RelayException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "profile", mixinStandardHelpOptions = true, subcommands = {ProfileCommand.Show.class,
        ProfileCommand.Set.class}, description = "Show or publish a profile card (SPEC §8.1).")
final class ProfileCommand {
    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show your profile, or another's.")
    static final class Show extends ClientCommand implements Callable<Integer> {
        @Parameters(arity = "0..1", converter = KeyIdConverter.class, paramLabel = "KEY_ID",
                description = "Whose profile (default: yours).")
        KeyId whose;

        @Override
        public Integer call() throws Exception {
            try (RelayClient client = connection.connect()) {
                printJson(await(client.profileGet(whose)));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Publish your profile card.")
    static final class Set extends ClientCommand implements Callable<Integer> {
        @Option(names = "--name", required = true, description = "Display name.")
        String name;

        @Option(names = "--description", description = "What this identity is or does.")
        String description;

        @Option(names = "--tag", description = "A tag (repeatable).")
        List<String> tags = new ArrayList<>();

        @Option(names = "--capability", description = "A capability name (repeatable).")
        List<String> capabilities = new ArrayList<>();

        @Option(names = "--private", description = "Hide it from discover (SPEC §8.3).")
        boolean hidden;

        @Override
        public Integer call() throws Exception {
            List<ProfileCard.Capability> offered = capabilities.stream()
                    .map(c -> new ProfileCard.Capability(c, null, List.of(), null)).toList();
            ProfileCard card = new ProfileCard(name, description, offered, tags, !hidden);
            try {
                ProfileCard.parse(card.toJson()); // the relay's own check (SPEC §8.1), made before connecting
            } catch (RelayException e) {
                throw new CliException("bad_option", "this card would be refused: " + e.getMessage(), ExitCodes.USAGE);
            }
            try (RelayClient client = connection.connect()) {
                JsonNode result = await(client.profileSet(card));
                printJson(result);
            }
            return ExitCodes.OK;
        }
    }
}
