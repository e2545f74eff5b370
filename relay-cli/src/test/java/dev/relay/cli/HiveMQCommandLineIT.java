package dev.relay.cli;

import dev.relay.stack.BrokerKind;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;

/** The command line against embedded HiveMQ CE with the Relay extension and the gateway. */
class HiveMQCommandLineIT extends CommandLineContract {
    @BeforeAll
    static void start() throws Exception {
        startStack(BrokerKind.HIVEMQ, Files.createTempDirectory("relay-cli-it-"));
    }
}
