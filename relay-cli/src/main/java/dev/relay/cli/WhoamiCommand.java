package dev.relay.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Json;
import dev.relay.protocol.RelayKeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "whoami", mixinStandardHelpOptions = true,
        description = "Show this identity: key id, did:key and key file (creates the key file on first use).")
final class WhoamiCommand extends ClientCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        RelayKeyPair key = connection.loadOrCreateKey();
        if (json) {
            ObjectNode node = Json.MAPPER.createObjectNode().put("key_id", key.keyId().toString())
                    .put("did", key.keyId().didKey()).put("key_file", connection.keyFile().toString());
            printJson(node);
        } else {
            out().println("key id   " + key.keyId());
            out().println("did      " + key.keyId().didKey());
            out().println("key file " + connection.keyFile());
        }
        return ExitCodes.OK;
    }
}
