package dev.relay.gateway.it;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The gateway contract on embedded Apache Artemis with the Relay plugin, through its MQTT 5 acceptor. */
class ArtemisGatewayIT extends GatewayContract {
    private static BrokerUnderTest broker;

    @BeforeAll
    static void startBroker() {
        broker = BrokerUnderTest.artemis(Map.of());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Override
    BrokerUnderTest broker() {
        return broker;
    }
}
