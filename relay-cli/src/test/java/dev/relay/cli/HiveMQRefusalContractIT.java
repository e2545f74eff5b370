package dev.relay.cli;

import dev.relay.stack.BrokerKind;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;

/** Every client's reading of the relay's refusals, on embedded HiveMQ CE with the Relay extension and the gateway. */
class HiveMQRefusalContractIT extends RefusalContract {
    @BeforeAll
    static void start() throws Exception {
        startStack(BrokerKind.HIVEMQ, Files.createTempDirectory("relay-refusals-it-"));
    }
}
