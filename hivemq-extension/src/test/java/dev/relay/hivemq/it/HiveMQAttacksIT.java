package dev.relay.hivemq.it;

import dev.relay.tck.AttackSuite;
import dev.relay.tck.RelayBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The kit's attack suite against the HiveMQ extension (loaded from its zip), over MQTT 5 and MQTT 3.1.1. A second
 * broker runs with the suite's small send budget for the rate-limit attacks.
 */
class HiveMQAttacksIT {
    private static RelayHiveMQ broker;
    private static RelayHiveMQ rateLimited;

    @BeforeAll
    static void start() {
        broker = RelayHiveMQ.start();
        rateLimited = RelayHiveMQ.start(AttackSuite.RATE_LIMITED_RELAY);
    }

    @AfterAll
    static void stop() {
        try {
            if (broker != null) {
                broker.close();
            }
        } finally {
            if (rateLimited != null) {
                rateLimited.close();
            }
        }
    }

    @Nested
    class OverMqtt5 extends AttackSuite {
        @Override
        protected RelayBinding binding() {
            return new MqttBinding(broker, true);
        }

        @Override
        protected RelayBinding rateLimitedBinding() {
            return new MqttBinding(rateLimited, true);
        }
    }

    @Nested
    class OverMqtt311 extends AttackSuite {
        @Override
        protected RelayBinding binding() {
            return new MqttBinding(broker, false);
        }

        @Override
        protected RelayBinding rateLimitedBinding() {
            return new MqttBinding(rateLimited, false);
        }
    }
}
