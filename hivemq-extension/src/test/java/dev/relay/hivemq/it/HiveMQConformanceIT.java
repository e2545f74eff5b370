package dev.relay.hivemq.it;

import dev.relay.tck.ConformanceSuite;
import dev.relay.tck.RelayBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The conformance kit against the HiveMQ extension (loaded from its zip), over MQTT 5 and over MQTT 3.1.1. */
class HiveMQConformanceIT {
    private static RelayHiveMQ broker;

    @BeforeAll
    static void start() {
        broker = RelayHiveMQ.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Nested
    class OverMqtt5 extends ConformanceSuite {
        @Override
        protected RelayBinding binding() {
            return new MqttBinding(broker, true);
        }
    }

    @Nested
    class OverMqtt311 extends ConformanceSuite {
        @Override
        protected RelayBinding binding() {
            return new MqttBinding(broker, false);
        }
    }
}
