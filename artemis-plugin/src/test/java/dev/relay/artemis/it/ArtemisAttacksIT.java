package dev.relay.artemis.it;

import dev.relay.tck.AttackSuite;
import dev.relay.tck.RateLimitAttackSuite;
import dev.relay.tck.RelayBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The kit's attack suites against the Artemis plugin, over AMQP 1.0, MQTT 5, MQTT 3.1.1 and STOMP. Only one Relay
 * plugin can run in a JVM, so the two brokers take turns: {@link WithDefaultLimits} runs {@link AttackSuite} on a
 * broker with default settings, then {@link WithASmallSendBudget} runs {@link RateLimitAttackSuite} on one started with
 * its small limit (JUnit finishes one nested class, {@code @AfterAll} included, before it starts the next).
 */
class ArtemisAttacksIT {

    @Nested
    class WithDefaultLimits {
        /** A broker with default settings. */
        static RelayArtemis broker;

        @BeforeAll
        static void start() {
            broker = RelayArtemis.start();
        }

        @AfterAll
        static void stop() {
            if (broker != null) {
                broker.close();
            }
        }

        @Nested
        class OverAmqp extends AttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP);
            }
        }

        @Nested
        class OverMqtt5 extends AttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT5);
            }
        }

        @Nested
        class OverMqtt311 extends AttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT311);
            }
        }

        @Nested
        class OverStomp extends AttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.STOMP);
            }
        }
    }

    @Nested
    class WithASmallSendBudget {
        /** A broker with the send budget of {@link RateLimitAttackSuite#RATE_LIMITED_RELAY}. */
        static RelayArtemis broker;

        @BeforeAll
        static void start() {
            broker = RelayArtemis.start(RateLimitAttackSuite.RATE_LIMITED_RELAY);
        }

        @AfterAll
        static void stop() {
            if (broker != null) {
                broker.close();
            }
        }

        @Nested
        class OverAmqp extends RateLimitAttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP);
            }
        }

        @Nested
        class OverMqtt5 extends RateLimitAttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT5);
            }
        }

        @Nested
        class OverMqtt311 extends RateLimitAttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT311);
            }
        }

        @Nested
        class OverStomp extends RateLimitAttackSuite {
            @Override
            protected RelayBinding binding() {
                return new ArtemisBinding(broker, ArtemisBinding.Protocol.STOMP);
            }
        }
    }
}
