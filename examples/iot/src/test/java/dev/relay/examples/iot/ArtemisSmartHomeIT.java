package dev.relay.examples.iot;

import dev.relay.stack.BrokerKind;

/** The story on embedded Apache Artemis with the Relay plugin. */
class ArtemisSmartHomeIT extends SmartHomeScenarioContract {
    @Override
    BrokerKind broker() {
        return BrokerKind.ARTEMIS;
    }
}
