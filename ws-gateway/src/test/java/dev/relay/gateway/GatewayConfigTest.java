package dev.relay.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {
    private static Properties properties(String... pairs) {
        Properties properties = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            properties.setProperty(pairs[i], pairs[i + 1]);
        }
        return properties;
    }

    @Test
    void defaultsAreTheSpecLimitsOnLoopback() {
        GatewayConfig config = GatewayConfig.fromProperties(properties(
                "gateway.realm", "home", "gateway.broker-uri", "tcp://127.0.0.1:1883"));
        assertThat(config.host).isEqualTo("127.0.0.1");
        assertThat(config.path).isEqualTo("/relay/v1");
        assertThat(config.maxFrameBytes).isEqualTo(327_680);
        assertThat(config.maxUnacked).isEqualTo(32);
        assertThat(config.idleTimeout).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.tls()).isFalse();
    }

    @Test
    void settingsAreReadAndTyposRefused() {
        GatewayConfig config = GatewayConfig.fromProperties(properties(
                "gateway.realm", "home", "gateway.broker-uri", "mqtt://10.0.0.5:1883", "gateway.port", "9000",
                "gateway.max-sessions-per-identity", "2", "gateway.idle-timeout-seconds", "15", "other.thing", "x"));
        assertThat(config.port).isEqualTo(9000);
        assertThat(config.maxSessionsPerIdentity).isEqualTo(2);
        assertThat(config.idleTimeout).isEqualTo(Duration.ofSeconds(15));
        assertThatThrownBy(() -> GatewayConfig.fromProperties(properties("gateway.realm", "home",
                "gateway.broker-uri", "tcp://127.0.0.1:1883", "gateway.max-frame-byte", "1")))
                .hasMessageContaining("gateway.max-frame-byte");
        assertThatThrownBy(() -> GatewayConfig.fromProperties(properties("gateway.broker-uri", "tcp://127.0.0.1:1")))
                .hasMessageContaining("gateway.realm");
        assertThatThrownBy(() -> GatewayConfig.fromProperties(properties("gateway.realm", "r",
                "gateway.broker-uri", "ssl://127.0.0.1:8883"))).hasMessageContaining("tcp://");
        assertThatThrownBy(() -> GatewayConfig.fromProperties(properties("gateway.realm", "r",
                "gateway.broker-uri", "tcp://127.0.0.1:1883", "gateway.max-unacked", "0"))).hasMessageContaining("positive");
    }
}
