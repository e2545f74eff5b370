package dev.relay.cli;

import dev.relay.stack.BrokerKind;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;

/** Every client's reading of the relay's refusals, on embedded Artemis with the Relay plugin and the gateway. */
class ArtemisRefusalContractIT extends RefusalContract {
    @BeforeAll
    static void start() throws Exception {
        startStack(BrokerKind.ARTEMIS, Files.createTempDirectory("relay-refusals-it-"));
    }
}
