package dev.relay.gateway.it;

import dev.relay.artemis.it.RelayArtemis;
import dev.relay.hivemq.it.RelayHiveMQ;
import java.net.URI;
import java.util.Map;

/** A real broker with Relay inside, as the gateway sees it: a realm and an MQTT 5 listener. */
interface BrokerUnderTest extends AutoCloseable {
    String realm();

    /** {@code tcp://127.0.0.1:<port>} of the MQTT listener (MQTT 5 capable). */
    URI mqttUri();

    /** Whether refusals carry reason strings (HiveMQ) or come as reason code + error envelope (Artemis, SPEC §10.9). */
    boolean reasonStrings();

    void restart();

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
