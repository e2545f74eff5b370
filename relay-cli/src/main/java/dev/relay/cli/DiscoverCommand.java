package dev.relay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.RelayClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "discover", mixinStandardHelpOptions = true,
        description = "Find identities with public profiles, by tag, capability or text.")
final class DiscoverCommand extends ClientCommand implements Callable<Integer> {
    @Option(names = "--tag", description = "Profiles with this tag.")
    String tag;

    @Option(names = "--capability", description = "Profiles offering this capability.")
    String capability;

    @Option(names = "--text", description = "Words in the name or description.")
    String text;

    @Option(names = "--limit", defaultValue = "20", description = "At most this many (1..50, default 20).")
    int limit;

    @Option(names = "--json", description = "Print the relay's answer as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (limit < 1 || limit > 50) {
            throw new CliException("bad_option", "--limit must be 1..50, not " + limit, ExitCodes.USAGE);
        }
        Map<String, Object> query = new LinkedHashMap<>();
        if (tag != null) {
            query.put("tag", tag);
        }
        if (capability != null) {
            query.put("capability", capability);
        }
        if (text != null) {
            query.put("text", text);
        }
        query.put("limit", limit);
        try (RelayClient client = connection.connect()) {
            JsonNode result = await(client.discover(query));
            if (json) {
                printJson(result);
                return ExitCodes.OK;
            }
            for (JsonNode hit : result.path("results")) {
                JsonNode card = hit.path("card");
                boolean online = hit.path("presence").path("online").asBoolean(false);
                out().println(hit.path("key_id").asText() + "  " + card.path("name").asText() + "  "
                        + (online ? "online" : "offline") + "  " + card.path("description").asText(""));
            }
            if (result.path("results").isEmpty()) {
                err().println("No public profiles match.");
            }
        }
        return ExitCodes.OK;
    }
}
