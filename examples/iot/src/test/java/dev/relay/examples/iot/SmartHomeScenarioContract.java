package dev.relay.examples.iot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.stack.BrokerKind;
import dev.relay.stack.RelayStack;
import dev.relay.stack.StackOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline-command story end to end on a real stack: MQTT devices, a WebSocket agent, a broker with Relay. */
abstract class SmartHomeScenarioContract {
    @TempDir
    Path dir;

    abstract BrokerKind broker();

    @Test
    void theOfflineCommandStoryHoldsEveryPromise() throws Exception {
        try (RelayStack stack = RelayStack.start(StackOptions.ephemeral(broker(), dir.resolve("data")).build())) {
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            SmartHomeScenario.Outcome outcome;
            try (PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8)) {
                outcome = SmartHomeScenario.run(new Home(stack.mqttUri(), stack.gatewayUri(), stack.realm()),
                        dir.resolve("work"), out);
            }
            String text = console.toString(StandardCharsets.UTF_8);
            System.out.println(text);

            assertThat(outcome.commandWaitedWhileFanOffline()).isTrue();
            assertThat(outcome.fanExecuted()).isEqualTo(List.of("on"));
            assertThat(outcome.strangerRefusal()).isEqualTo("acl_denied");
            assertThat(outcome.receiptVerified()).isTrue();
            assertThat(outcome.succeeded()).isTrue();
            assertThat(text).contains("All promises held.").doesNotContain("[FAIL]");
        }
    }
}
