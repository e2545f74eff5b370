package dev.relay.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.client.ConnectionState;
import dev.relay.client.RelayClientException;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** What a device refuses before any network traffic. */
class RelayDeviceBuilderTest {
    private final RelayKeyPair key = RelayKeyPair.generate();

    @Test
    void requiredSettingsAndSessionSuffixesAreChecked() {
        assertThatThrownBy(() -> RelayDevice.builder().realm("r").key(key).build())
                .isInstanceOf(NullPointerException.class).hasMessageContaining("serverUri");
        assertThatThrownBy(() -> RelayDevice.builder().serverUri("tcp://127.0.0.1:1").key(key).build())
                .hasMessageContaining("realm");
        assertThatThrownBy(() -> RelayDevice.builder().serverUri("tcp://127.0.0.1:1").realm("r").key(key)
                .session("no spaces allowed").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RelayDevice.builder().serverUri("tcp://127.0.0.1:1").realm("r").key(key)
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withoutAnOutboxASendWhileDisconnectedFailsAtOnceAndAForeignEnvelopeIsRefused() throws Exception {
        try (RelayDevice device = RelayDevice.builder().serverUri("tcp://127.0.0.1:1").realm("r").key(key).build()) {
            var offline = device.message(RelayKeyPair.generate().keyId(), "text/plain", new byte[0]);
            assertThatThrownBy(offline::get).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOfSatisfying(RelayClientException.class,
                            e -> assertThat(e.code()).isEqualTo(RelayClientException.NOT_CONNECTED));

            Envelope foreign = Envelope.builder(Kind.MESSAGE).to(key.keyId()).body("x").sign(RelayKeyPair.generate());
            assertThatThrownBy(() -> device.send(foreign).get()).cause()
                    .isInstanceOfSatisfying(RelayClientException.class,
                            e -> assertThat(e.code()).isEqualTo("sender_mismatch"));
        }
    }

    @Test
    void theMqttVersionDecidesTheDefaultRefusalWindowAndTheClientIdCarriesTheSession() {
        try (RelayDevice device = RelayDevice.builder().serverUri("tcp://127.0.0.1:1").realm("r").key(key)
                .session("kitchen").mqttVersion(MqttVersion.V3_1_1).build()) {
            assertThat(device.clientId()).isEqualTo(key.keyId() + ".kitchen");
            assertThat(device.mqttVersion()).isEqualTo(MqttVersion.V3_1_1);
            assertThat(device.state()).isEqualTo(ConnectionState.NEW);
        }
    }
}
