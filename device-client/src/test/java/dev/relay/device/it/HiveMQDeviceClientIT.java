package dev.relay.device.it;

import dev.relay.stack.BrokerKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The device client on embedded HiveMQ CE with the Relay extension loaded from its zip. */
class HiveMQDeviceClientIT extends DeviceClientContract {
    static StackUnderTest broker;

    @BeforeAll
    static void start() {
        broker = StackUnderTest.start(BrokerKind.HIVEMQ, StackUnderTest.UNTHROTTLED);
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Override
    StackUnderTest broker() {
        return broker;
    }
}
