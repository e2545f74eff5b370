package dev.relay.device;

import dev.relay.client.ClientTransport;
import dev.relay.client.RelayClientException;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import javax.net.SocketFactory;

/**
 * MQTT for a {@link RelayDevice}: one Paho client object per connection (so no Paho state outlives it; the broker's
 * session does), MQTT 5 or 3.1.1. Username = key id, password = a fresh connect token for every connection, clean start
 * 0 with the session expiry (SPEC §2.7), then a QoS 1 subscription to the own inbox.
 *
 * @param sessionExpirySeconds 0 asks for a clean session that ends with the connection
 * @param problemInformation   MQTT 5 Request Problem Information: whether the broker may put reason strings on
 *                             PUBACK and SUBACK (SPEC §10.4); without them refusals are read from reason codes alone
 */
record MqttTransport(String serverUri, String clientId, String username, String realm, MqttVersion version,
                     long sessionExpirySeconds, int keepAliveSeconds, SocketFactory socketFactory,
                     boolean problemInformation) implements ClientTransport {
    @Override
    public Connection newConnection(Listener listener) throws RelayClientException {
        return version == MqttVersion.V5 ? new PahoV5Session(this, listener) : new PahoV3Session(this, listener);
    }

    @Override
    public String endpoint() {
        return serverUri;
    }

    String inbox() {
        return Addressing.mqttInbox(username);
    }

    /** Requests go to the system topic, everything else to the recipient's inbox (SPEC §4.2, §4.3). */
    static String topicOf(Envelope envelope) {
        return envelope.kind() == Kind.REQUEST ? Addressing.MQTT_SYSTEM_TOPIC : Addressing.mqttInbox(envelope.to());
    }
}
