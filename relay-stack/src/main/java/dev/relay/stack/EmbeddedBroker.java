package dev.relay.stack;

import java.net.URI;
import java.util.Map;

/** A broker with Relay inside, running in this JVM. */
interface EmbeddedBroker extends AutoCloseable {
    /** {@code tcp://host:port} of the MQTT listener (MQTT 3.1.1 and 5). */
    URI mqttUri();

    /** Every listener by protocol name ({@code mqtt}, {@code amqp}, {@code stomp}), in display order. */
    Map<String, URI> endpoints();

    /** Stops the broker; its data stays. */
    @Override
    void close();
}
