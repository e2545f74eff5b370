package dev.relay.gateway.it;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The gateway attacks the broker's relay decides, on embedded Apache Artemis with the Relay plugin (MQTT 5 acceptor)
 * and Relay's default limits.
 */
class ArtemisGatewayAttacksIT extends GatewayAttacksContract {
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
