package dev.relay.gateway.it;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The gateway attacks the broker's relay decides, on embedded HiveMQ CE with the extension and default limits. */
class HiveMQGatewayAttacksIT extends GatewayAttacksContract {
    private static BrokerUnderTest broker;

    @BeforeAll
    static void startBroker() {
        broker = BrokerUnderTest.hivemq(Map.of());
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
