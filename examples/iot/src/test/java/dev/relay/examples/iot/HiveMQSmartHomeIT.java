package dev.relay.examples.iot;

import dev.relay.stack.BrokerKind;

/** The story on embedded HiveMQ CE with the Relay extension. */
class HiveMQSmartHomeIT extends SmartHomeScenarioContract {
    @Override
    BrokerKind broker() {
        return BrokerKind.HIVEMQ;
    }
}
