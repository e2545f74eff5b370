package dev.relay.artemis.it;

import dev.relay.tck.ConformanceSuite;
import dev.relay.tck.RelayBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The conformance kit against the Artemis plugin, over AMQP 1.0, MQTT 5, MQTT 3.1.1 and STOMP. */
class ArtemisConformanceIT {
    private static RelayArtemis broker;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Nested
    class OverAmqp extends ConformanceSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP);
        }
    }

    @Nested
    class OverMqtt5 extends ConformanceSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT5);
        }
    }

    @Nested
    class OverMqtt311 extends ConformanceSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT311);
        }
    }

    @Nested
    class OverStomp extends ConformanceSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.STOMP);
        }
    }
}
