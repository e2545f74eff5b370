package dev.relay.artemis.it;

/** Where a Relay-enabled Artemis listens: the embedded one of most tests, or a standalone instance. */
interface BrokerEndpoints {
    String realm();

    String amqpHost();

    int amqpPort();

    String mqttUri();

    int stompPort();
}
