package dev.relay.stack;

/** Which broker carries Relay in a {@link RelayStack}. */
public enum BrokerKind {
    /** HiveMQ CE with the Relay extension (MQTT 3.1.1 and 5). */
    HIVEMQ,
    /** Apache Artemis with the Relay plugin (AMQP 1.0, MQTT, STOMP). */
    ARTEMIS
}
