package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.artemis.RelayBrokerPlugin;
import dev.relay.protocol.RelayKeyPair;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A broker with a bad Relay configuration does not start, and says why. */
class BadConfigurationIT {

    @Test
    void anUnknownRelayPropertyIsRefusedByName() {
        assertThatThrownBy(() -> new RelayBrokerPlugin().init(Map.of("relay.realm", "r", "relay.rate.per-hour", "5")))
                .hasMessageContaining("relay.rate.per-hour");
    }

    @Test
    void aMissingRealmIsRefused() {
        assertThatThrownBy(() -> new RelayBrokerPlugin().init(Map.of())).hasMessageContaining("relay.realm");
    }

    /** Artemis logs "AMQ224000: Failure in initialisation" with the relay's reason, and the broker never activates. */
    @Test
    void aBrokerThatCachesLoginsDoesNotStart() throws Exception {
        try (RelayArtemis broker = RelayArtemis.start(Map.of(), config -> config.setAuthenticationCacheSize(1000))) {
            assertThat(broker.server().isActive()).isFalse();
            RelayKeyPair key = RelayKeyPair.generate();
            assertThatThrownBy(() -> new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(key))
                    .isInstanceOf(Exception.class);
        }
    }

    /** The MQTT interceptors keep one-shot sessions off lasting sessions' messages and put codes into PUBACKs. */
    @Test
    void aBrokerWithoutTheMqttInterceptorsDoesNotStart() throws Exception {
        try (RelayArtemis broker = RelayArtemis.start(Map.of(),
                config -> config.getOutgoingInterceptorClassNames().clear())) {
            assertThat(broker.server().isActive()).isFalse();
        }
    }
}
