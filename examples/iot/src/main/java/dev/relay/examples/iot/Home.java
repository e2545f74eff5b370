package dev.relay.examples.iot;

import java.net.URI;

/** Where the smart home's relay is: the broker's MQTT listener, the WebSocket gateway and the realm. */
public record Home(URI mqtt, URI gateway, String realm) {
}
