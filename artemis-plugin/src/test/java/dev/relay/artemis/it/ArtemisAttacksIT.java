package dev.relay.artemis.it;

import dev.relay.tck.AttackSuite;
import dev.relay.tck.RelayBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The kit's attack suite against the Artemis plugin, over AMQP 1.0, MQTT 5, MQTT 3.1.1 and STOMP. A second broker runs
 * with the suite's small send budget for the rate-limit attacks.
 */
class ArtemisAttacksIT {
    private static RelayArtemis broker;
    private static RelayArtemis rateLimited;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
        rateLimited = RelayArtemis.start(AttackSuite.RATE_LIMITED_RELAY);
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
    class OverAmqp extends AttackSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP);
        }

        @Override
        protected RelayBinding rateLimitedBinding() {
            return new ArtemisBinding(rateLimited, ArtemisBinding.Protocol.AMQP);
        }
    }

    @Nested
    class OverMqtt5 extends AttackSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT5);
        }

        @Override
        protected RelayBinding rateLimitedBinding() {
            return new ArtemisBinding(rateLimited, ArtemisBinding.Protocol.MQTT5);
        }
    }

    @Nested
    class OverMqtt311 extends AttackSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT311);
        }

        @Override
        protected RelayBinding rateLimitedBinding() {
            return new ArtemisBinding(rateLimited, ArtemisBinding.Protocol.MQTT311);
        }
    }

    @Nested
    class OverStomp extends AttackSuite {
        @Override
        protected RelayBinding binding() {
            return new ArtemisBinding(broker, ArtemisBinding.Protocol.STOMP);
        }

        @Override
        protected RelayBinding rateLimitedBinding() {
            return new ArtemisBinding(rateLimited, ArtemisBinding.Protocol.STOMP);
        }
    }
}
