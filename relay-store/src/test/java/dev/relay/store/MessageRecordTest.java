package dev.relay.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MessageRecordTest {

    @Test
    void envelopeIsCopiedNotShared() {
        byte[] envelope = "abc".getBytes(StandardCharsets.UTF_8);
        MessageRecord m = new MessageRecord("a", "1", "b", null, null, "message", 1, 2, DeliveryState.SENT, envelope);
        envelope[0] = 'X';
        assertThat(m.envelope()).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
    }
}
