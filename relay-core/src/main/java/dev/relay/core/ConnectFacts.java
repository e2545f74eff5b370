package dev.relay.core;

/**
 * What an adapter knows about a connection when it authenticates it.
 *
 * @param transport     the protocol the client speaks
 * @param clientId      MQTT client id (null where the protocol has none)
 * @param remoteAddress for logs only
 */
public record ConnectFacts(Transport transport, String clientId, String remoteAddress) {

    /** Protocols that reach the engine. */
    public enum Transport { MQTT3, MQTT5, AMQP, STOMP, CORE, WEBSOCKET }
}
