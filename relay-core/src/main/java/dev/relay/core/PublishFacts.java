package dev.relay.core;

import java.util.Objects;

/**
 * What an adapter knows about one publish, beyond who sent it, where to and what: the engine's rules read these facts
 * (the retain rule, whether a refusal needs an error notice, a passing session's parked copy).
 *
 * @param transport      the protocol the publish came over
 * @param qos            MQTT QoS (0 to 2); 1 for transports that always acknowledge
 * @param retain         the MQTT retain flag (false elsewhere)
 * @param passingSession the broker's client id of the publishing connection when its session ends with the
 *                       connection (MQTT clean session, session expiry 0), else null (a lasting session)
 * @param session        what names the publishing session within the broker (MQTT client id, Artemis connection
 *                       id), or null: error notices go to that session alone, so their throttle is kept per session
 */
public record PublishFacts(ConnectFacts.Transport transport, int qos, boolean retain, String passingSession,
                           String session) {

    public PublishFacts {
        Objects.requireNonNull(transport, "transport");
    }

    /** Facts of a publish whose session is named only when it is a passing one. */
    public PublishFacts(ConnectFacts.Transport transport, int qos, boolean retain, String passingSession) {
        this(transport, qos, retain, passingSession, passingSession);
    }

    /** An acknowledged publish over {@code transport}, without retain flag, from a lasting session. */
    public static PublishFacts of(ConnectFacts.Transport transport) {
        return new PublishFacts(transport, 1, false, null);
    }

    /**
     * Whether the transport's own answer to this publish carries the relay's code (SPEC §10.2): not on MQTT 3.1.1,
     * nor on MQTT 5 at QoS 0, which have no negative acknowledgement.
     */
    public boolean answerCarriesCode() {
        return transport != ConnectFacts.Transport.MQTT3 && !(transport == ConnectFacts.Transport.MQTT5 && qos == 0);
    }
}
