package dev.relay.gateway.it;

import dev.relay.artemis.it.RelayArtemis;
import dev.relay.gateway.GatewayConfig;
import dev.relay.gateway.RelayGateway;
import dev.relay.hivemq.it.RelayHiveMQ;
import java.net.URI;
import java.io.IOException;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A real broker with Relay inside, as the gateway sees it: a realm and an MQTT 5 listener. */
interface BrokerUnderTest extends AutoCloseable {
    /** Relay properties that raise the per-identity rate limit so that it does not hide the gateway's own limits. */
    Map<String, String> UNTHROTTLED = Map.of("relay.rate.sends-per-minute", "100000", "relay.rate.burst", "100000");

    String realm();

    /** {@code tcp://127.0.0.1:<port>} of the MQTT listener (MQTT 5 capable). */
    URI mqttUri();

    /** Whether refusals carry reason strings (HiveMQ) or come as reason code + error envelope (Artemis, SPEC §10.9). */
    boolean reasonStrings();

    void restart();

    /** A gateway for this broker on a free loopback port, with the settings {@code limits} changes. */
    default RelayGateway startGateway(UnaryOperator<GatewayConfig.Builder> limits) throws IOException {
        return RelayGateway.start(limits.apply(GatewayConfig.builder(realm(), mqttUri()).port(0)).build());
    }

    @Override
    void close();

    /** Embedded HiveMQ CE with the extension loaded from its built zip. */
    static BrokerUnderTest hivemq(Map<String, String> relayProperties) {
        RelayHiveMQ broker = RelayHiveMQ.start(relayProperties);
        return new BrokerUnderTest() {
            public String realm() { return broker.realm(); }
            public URI mqttUri() { return URI.create(broker.serverUri()); }
            public boolean reasonStrings() { return true; }
            public void restart() { broker.restart(); }
            public void close() { broker.close(); }
            public String toString() { return "HiveMQ"; }
        };
    }

    /** Embedded Artemis with the plugin; the gateway uses its MQTT acceptor (MQTT 5). */
    static BrokerUnderTest artemis(Map<String, String> relayProperties) {
        RelayArtemis broker = RelayArtemis.start(relayProperties);
        return new BrokerUnderTest() {
            public String realm() { return broker.realm(); }
            public URI mqttUri() { return URI.create(broker.mqttUri()); }
            public boolean reasonStrings() { return false; }
            public void restart() { broker.restart(); }
            public void close() { broker.close(); }
            public String toString() { return "Artemis"; }
        };
    }
}
