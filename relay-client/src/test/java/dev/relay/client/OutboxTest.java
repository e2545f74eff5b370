package dev.relay.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxTest {
    private static final RelayKeyPair SENSOR = RelayKeyPair.generate();
    private static final RelayKeyPair CONTROLLER = RelayKeyPair.generate();

    @TempDir
    Path dir;

    @Test
    void pendingEnvelopesSurviveAReopenInOrderAndDoneOnesDoNot() throws Exception {
        Path file = dir.resolve("outbox");
        Envelope first = reading("1");
        Envelope second = reading("2");
        Envelope third = reading("3");
        Outbox outbox = Outbox.open(file);
        outbox.add(first);
        outbox.add(second);
        outbox.add(third);
        outbox.done(second.id());
        outbox.close();

        Outbox reopened = Outbox.open(file);

        assertThat(reopened.pending()).containsExactly(first, third);
        assertThat(reopened.contains(second.id())).isFalse();
    }

    @Test
    void aTornLastLineAndGarbageAreSkipped() throws Exception {
        Path file = dir.resolve("outbox");
        Envelope kept = reading("kept");
        Outbox outbox = Outbox.open(file);
        outbox.add(kept);
        outbox.close();
        String torn = "+ " + reading("torn").toJsonString();
        Files.writeString(file, "nonsense\n" + torn.substring(0, torn.length() / 2), StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        assertThat(Outbox.open(file).pending()).containsExactly(kept);
    }

    @Test
    void theFileIsCompactedWhenEverythingWasSent() throws Exception {
        Path file = dir.resolve("outbox");
        Outbox outbox = Outbox.open(file);
        Envelope only = reading("x");
        outbox.add(only);
        assertThat(Files.readString(file)).startsWith("+ {");

        outbox.done(only.id());

        assertThat(Files.readString(file)).isEmpty();
        assertThat(outbox.size()).isZero();
        outbox.add(reading("y")); // appending still works after the compaction
        assertThat(Outbox.open(file).size()).isEqualTo(1);
    }

    private static Envelope reading(String text) throws Exception {
        return Envelope.builder(Kind.MESSAGE).to(CONTROLLER.keyId()).body(text).sign(SENSOR);
    }
}
