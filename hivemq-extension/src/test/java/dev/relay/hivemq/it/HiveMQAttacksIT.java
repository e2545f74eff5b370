package dev.relay.hivemq.it;

import dev.relay.tck.AttackSuite;
import dev.relay.tck.RateLimitAttackSuite;
import dev.relay.tck.RelayBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The kit's attack suites against the HiveMQ extension (loaded from its zip), over MQTT 5 and MQTT 3.1.1: the
 * attacks on a broker with default settings, and the send-budget attacks on a second broker with the small limit
 * {@link RateLimitAttackSuite} needs.
 */
class HiveMQAttacksIT {
    private static RelayHiveMQ broker;
    private static RelayHiveMQ rateLimited;

    @BeforeAll
    static void start() {
        broker = RelayHiveMQ.start();
        rateLimited = RelayHiveMQ.start(RateLimitAttackSuite.RATE_LIMITED_RELAY);
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
    }

    @Nested
    class OverMqtt311 extends AttackSuite {
        @Override
        protected RelayBinding binding() {
            return new MqttBinding(broker, false);
        }
    }

    @Nested
    class SendBudgetOverMqtt5 extends RateLimitAttackSuite {
        @Override
        protected RelayBinding binding() {
            return new MqttBinding(rateLimited, true);
        }
    }

    @Nested
    class SendBudgetOverMqtt311 extends RateLimitAttackSuite {
        @Override
        protected RelayBinding binding() {
            return new MqttBinding(rateLimited, false);
        }
    }
}
