package dev.relay.device.it;

import dev.relay.stack.BrokerKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The device client on embedded Apache Artemis with the Relay plugin (MQTT acceptor). */
class ArtemisDeviceClientIT extends DeviceClientContract {
    static StackUnderTest broker;

    @BeforeAll
    static void start() {
        broker = StackUnderTest.start(BrokerKind.ARTEMIS, StackUnderTest.UNTHROTTLED);
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
