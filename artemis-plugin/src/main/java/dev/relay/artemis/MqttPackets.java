package dev.relay.artemis;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few MQTT packets the relay writes itself, where Artemis' own answer cannot carry the relay's reason (SPEC §10.4,
 * §10.9): a refusing CONNACK, a refusing SUBACK, and a PUBACK or PUBREC with the relay's reason code and string.
 */
final class MqttPackets {
    private static final int CONNACK = 0x20;
    private static final int PUBACK = 0x40;
    private static final int PUBREC = 0x50;
    private static final int SUBACK = 0x90;
    static final int MQTT5_NOT_AUTHORIZED = 0x87;
    private static final int MQTT311_NOT_AUTHORIZED = 0x05;
    private static final int REASON_STRING_PROPERTY = 0x1F;

    private MqttPackets() {
    }

    /** CONNACK refusing the connection: MQTT 5 0x87 (Not authorized) with a reason string, MQTT 3.1.1 0x05. */
    static byte[] connack(boolean mqtt5, String reason) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        variable.write(0); // no session present
        if (mqtt5) {
            variable.write(MQTT5_NOT_AUTHORIZED);
            writeReasonStringProperties(variable, reason);
        } else {
            variable.write(MQTT311_NOT_AUTHORIZED);
        }
        return packet(CONNACK, variable);
    }

    /** SUBACK refusing {@code filters} filters: MQTT 5 0x87 with a reason string (if not null), MQTT 3.1.1 0x80. */
    static byte[] suback(int packetId, int filters, boolean mqtt5, String reason) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        writePacketId(variable, packetId);
        if (mqtt5) {
            writeReasonStringProperties(variable, reason);
        }
        for (int i = 0; i < filters; i++) {
            variable.write(mqtt5 ? MQTT5_NOT_AUTHORIZED : 0x80);
        }
        return packet(SUBACK, variable);
    }

    /**
     * MQTT 5 PUBACK (QoS 1) or PUBREC (QoS 2) refusing a publish with {@code reasonCode} and a reason string (none when
     * null).
     */
    static byte[] publishRefusal(boolean pubrec, int packetId, int reasonCode, String reason) {
        ByteArrayOutputStream variable = new ByteArrayOutputStream();
        writePacketId(variable, packetId);
        variable.write(reasonCode);
        writeReasonStringProperties(variable, reason);
        return packet(pubrec ? PUBREC : PUBACK, variable);
    }

    private static byte[] packet(int type, ByteArrayOutputStream variable) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(type);
        writeVarInt(packet, variable.size());
        packet.writeBytes(variable.toByteArray());
        return packet.toByteArray();
    }

    private static void writePacketId(ByteArrayOutputStream out, int packetId) {
        out.write(packetId >> 8);
        out.write(packetId & 0xFF);
    }

    /**
     * MQTT 5 properties holding only a reason string (cut at 65,535 bytes), or none when {@code reason} is null (the
     * client asked for no problem information).
     */
    private static void writeReasonStringProperties(ByteArrayOutputStream variable, String reason) {
        if (reason == null) {
            writeVarInt(variable, 0);
            return;
        }
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, 0xFFFF);
        writeVarInt(variable, 1 + 2 + length);
        variable.write(REASON_STRING_PROPERTY);
        variable.write(length >> 8);
        variable.write(length & 0xFF);
        variable.write(text, 0, length);
    }

    private static void writeVarInt(ByteArrayOutputStream out, int value) {
        int remaining = value;
        do {
            int digit = remaining % 128;
            remaining /= 128;
            out.write(remaining > 0 ? digit | 0x80 : digit);
        } while (remaining > 0);
    }
}
