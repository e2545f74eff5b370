package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.artemis.RelayBrokerPlugin;
import dev.relay.protocol.RelayKeyPair;
import java.util.Map;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
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

    /** The relay's security manager checks every connect token and holds each identity to its own inbox. */
    @Test
    void aBrokerWithoutTheRelaySecurityManagerDoesNotStart() throws Exception {
        try (RelayArtemis broker = RelayArtemis.start(Map.of(), config -> { },
                new ActiveMQJAASSecurityManager())) {
            assertThat(broker.server().isActive()).isFalse();
        }
    }
}
