package dev.relay.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedeliveringHandlerTest {
    private final List<String> endedConnections = new ArrayList<>();
    private boolean fail = true;
    private final RedeliveringHandler handler = new RedeliveringHandler(message -> {
        if (fail) {
            throw new IllegalStateException("motor jammed");
        }
    }, endedConnections::add);

    @Test
    void aFailureEndsTheConnectionAndIsThrownOnUntilAMessageSucceeds() throws Exception {
        RelayKeyPair me = RelayKeyPair.generate();
        Envelope envelope = Envelope.builder(Kind.MESSAGE).to(me.keyId()).body("on").sign(me);
        Incoming message = new Incoming(null, envelope);

        assertThatThrownBy(() -> handler.onMessage(message)).hasMessage("motor jammed");
        assertThat(endedConnections).singleElement().asString().contains(envelope.id()).contains("motor jammed");
        assertThat(handler.isFailing()).isTrue();

        fail = false;
        handler.onMessage(message);
        assertThat(handler.isFailing()).isFalse();
        assertThat(endedConnections).hasSize(1);
    }
}
