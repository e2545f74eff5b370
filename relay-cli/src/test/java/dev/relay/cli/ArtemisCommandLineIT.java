package dev.relay.cli;

import dev.relay.stack.BrokerKind;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;

/** The command line against embedded Apache Artemis with the Relay plugin and the gateway. */
class ArtemisCommandLineIT extends CommandLineContract {
    @BeforeAll
    static void start() throws Exception {
        startStack(BrokerKind.ARTEMIS, Files.createTempDirectory("relay-cli-it-"));
    }
}
