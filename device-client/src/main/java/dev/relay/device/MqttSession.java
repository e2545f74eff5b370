package dev.relay.device;

import dev.relay.client.RelayClientException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.SocketFactory;

/**
 * One MQTT connection of a device (one Paho client object per connection, so no Paho state outlives it; the broker's
 * session does). The two implementations are thin: {@link RelayDevice} holds the logic.
 */
interface MqttSession {
    /** What the session reports; called on Paho's threads. */
    interface Listener {
        /** An inbox delivery; {@code ack} acknowledges it to the broker (call at most once). */
        void arrived(byte[] payload, Runnable ack);

        /** The connection ended (not called for {@link #close()}). */
        void lost(RelayClientException cause);
    }

    /** The broker's answer to a QoS 1 publish: reason code (always 0 on MQTT 3.1.1) and reason string, if any. */
    record PublishAck(int reasonCode, String reasonString) {
        boolean accepted() {
            return reasonCode < 0x80;
        }
    }

    /**
     * Connection settings for one attempt (a fresh token each time). A session expiry of 0 asks for a clean session
     * that ends with the connection (clean start 1 on MQTT 5, clean session 1 on 3.1.1).
     */
    record ConnectRequest(String username, String password, long sessionExpirySeconds, int keepAliveSeconds,
                          Duration timeout, SocketFactory socketFactory) {
    }

    /** Opens the connection (clean start 0); returns whether the broker resumed a session. */
    boolean connect(ConnectRequest request) throws RelayClientException;

    /** Subscribes at QoS 1; a refusal throws with the relay's code. */
    void subscribe(String filter, Duration timeout) throws RelayClientException;

    /** Publishes at QoS 1; fails with {@code connection_lost} or {@code not_connected} if the broker never answered. */
    CompletableFuture<PublishAck> publish(String topic, byte[] payload);

    /** A clean DISCONNECT (the broker keeps the session), then releases the client. */
    void close();
}
