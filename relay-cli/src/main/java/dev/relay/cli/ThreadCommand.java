package dev.relay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.client.RelayClient;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Json;
import dev.relay.protocol.RelayException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "thread", mixinStandardHelpOptions = true,
        description = "Show a thread's history that you may see (SPEC §7), oldest first, every entry's signature checked.")
final class ThreadCommand extends ClientCommand implements Callable<Integer> {
    @Parameters(paramLabel = "THREAD_ID", converter = MessageIdConverter.class, description = "The thread id (the id of its first message).")
    String threadId;

    @Option(names = "--pages", defaultValue = "20", description = "Fetch at most this many pages of 50 (default 20).")
    int pages;

    @Option(names = "--json", description = "One envelope per line as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (pages < 1) {
            throw new CliException("bad_option", "--pages must be at least 1", ExitCodes.USAGE);
        }
        List<JsonNode> entries = new ArrayList<>();
        try (RelayClient client = connection.connect()) {
            String before = null;
            for (int page = 1; page <= pages; page++) {
                JsonNode result = await(client.threadHistory(threadId, before));
                result.path("messages").forEach(entries::add);
                err().print("\rFetched page " + page + " (" + entries.size() + " entries)");
                err().flush();
                JsonNode next = result.get("next");
                if (next == null || next.isNull()) {
                    break;
                }
                before = next.asText();
            }
        }
        err().println();
        for (int i = entries.size() - 1; i >= 0; i--) { // the relay answers newest first
            print(entries.get(i));
        }
        out().flush();
        return ExitCodes.OK;
    }

    private void print(JsonNode entry) throws Exception {
        if (entry.has("omitted")) {
            out().println("(" + entry.path("id").asText() + " from " + entry.path("from").asText() + " omitted: "
                    + entry.path("omitted").asText() + ")");
            return;
        }
        Envelope envelope;
        try {
            envelope = Envelope.parse(Json.MAPPER.writeValueAsBytes(entry));
            envelope.verify();
        } catch (RelayException e) {
            out().println("(an entry failed verification and is not shown: " + e.reasonString() + ")");
            return;
        }
        out().println(json ? envelope.toJsonString() : EnvelopeFormat.line(envelope));
    }
}
