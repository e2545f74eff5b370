package dev.relay.device;

/** The MQTT protocol version a {@link RelayDevice} speaks. */
public enum MqttVersion {
    /** MQTT 5 (default): refusals come back on the PUBACK with a reason string. */
    V5,
    /**
     * MQTT 3.1.1, for brokers or networks that need it: a refused publish is still acknowledged and the relay puts an
     * {@code error} envelope into the sender's inbox instead (SPEC §10.3).
     */
    V3_1_1
}
