package dev.relay.hivemq.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A bare MQTT 5 client over a socket, for packets that client libraries will not send: a PUBLISH that re-maps a topic
 * alias to another topic, a PUBLISH that names only an alias, a SUBSCRIBE with several filters, subscription options
 * and identifiers. Synchronous and single-threaded: every call writes one packet and reads until the answer to it,
 * collecting PUBLISH packets the broker sends meanwhile (and acknowledging them).
 */
final class RawMqtt5 implements AutoCloseable {
    static final int PROPERTY_SESSION_EXPIRY = 0x11;
    static final int PROPERTY_TOPIC_ALIAS_MAXIMUM = 0x22;
    static final int PROPERTY_TOPIC_ALIAS = 0x23;
    static final int PROPERTY_REASON_STRING = 0x1F;
    static final int PROPERTY_SUBSCRIPTION_IDENTIFIER = 0x0B;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final List<Packet> published = new ArrayList<>();
    private int nextPacketId = 1;

    /** One packet as read: fixed-header byte and the rest. */
    record Packet(int header, byte[] body) {
        int type() {
            return header >>> 4;
        }
    }

    /** An acknowledgement (CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT): reason codes and the reason string if any. */
    record Ack(int type, List<Integer> reasonCodes, String reasonString, int topicAliasMaximum, byte[] authData) {
        int reasonCode() {
            return reasonCodes.isEmpty() ? 0 : reasonCodes.get(0);
        }
    }

    /** A PUBLISH the broker sent to this client. */
    record Incoming(String topic, byte[] payload, boolean retain) {
    }

    private RawMqtt5(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout((int) Clients.TIMEOUT.toMillis());
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects (clean start, no session) and returns the CONNACK; the socket stays open only if it was accepted. */
    static RawMqtt5 open(RelayHiveMQ broker) throws IOException {
        return new RawMqtt5(new Socket(broker.host(), broker.port()));
    }

    Ack connect(String clientId, String username, String password, boolean cleanStart) throws IOException {
        Buffer variable = new Buffer();
        variable.string("MQTT");
        variable.u8(5);
        variable.u8(0x80 | 0x40 | (cleanStart ? 0x02 : 0));
        variable.u16(30);
        Buffer properties = new Buffer();
        properties.u8(PROPERTY_SESSION_EXPIRY).u32(cleanStart ? 0 : Clients.SESSION_EXPIRY_SECONDS);
        variable.properties(properties);
        variable.string(clientId);
        variable.string(username);
        variable.binary(password.getBytes(StandardCharsets.UTF_8));
        write(0x10, variable);
        return ack(read(2));
    }

    /**
     * CONNECT with enhanced authentication (SPEC §2.5.1): method and data, no username or password. Returns the
     * server's answer: an AUTH (type 15, continue) or the CONNACK.
     */
    Ack connectEnhanced(String clientId, String method, byte[] data) throws IOException {
        Buffer variable = new Buffer();
        variable.string("MQTT");
        variable.u8(5);
        variable.u8(0x02);
        variable.u16(30);
        Buffer properties = new Buffer();
        properties.u8(0x15).string(method);
        properties.u8(0x16).binary(data);
        variable.properties(properties);
        variable.string(clientId);
        write(0x10, variable);
        return ack(readAny(2, 15));
    }

    /**
     * AUTH with a reason code (0x18 continue, 0x19 re-authenticate), method and data. Returns the answer: AUTH,
     * CONNACK or the server's DISCONNECT (type 14).
     */
    Ack auth(int reasonCode, String method, byte[] data) throws IOException {
        Buffer body = new Buffer();
        body.u8(reasonCode);
        Buffer properties = new Buffer();
        properties.u8(0x15).string(method);
        properties.u8(0x16).binary(data);
        body.properties(properties);
        write(0xF0, body);
        return ack(readAny(2, 15, 14));
    }

    /** PUBLISH QoS 1 with an optional topic alias ({@code topic} may be empty when the alias is known). */
    Ack publish(String topic, Integer topicAlias, byte[] payload, boolean retain) throws IOException {
        return publish(topic, topicAlias, payload, retain, 1);
    }

    /**
     * PUBLISH QoS 1 (answer: PUBACK) or QoS 2 (answer: PUBREC; a refusing PUBREC ends the flow, after an accepting one
     * the caller would have to send PUBREL, which this client does not).
     */
    Ack publish(String topic, Integer topicAlias, byte[] payload, boolean retain, int qos) throws IOException {
        int packetId = nextPacketId++;
        Buffer body = new Buffer();
        body.string(topic);
        body.u16(packetId);
        Buffer properties = new Buffer();
        if (topicAlias != null) {
            properties.u8(PROPERTY_TOPIC_ALIAS).u16(topicAlias);
        }
        body.properties(properties);
        body.bytes(payload);
        write(0x30 | (qos << 1) | (retain ? 1 : 0), body);
        return ack(read(qos == 2 ? 5 : 4));
    }

    /** One SUBSCRIBE with several filters (QoS 1, the given option bits) and an optional subscription identifier. */
    Ack subscribe(Integer subscriptionIdentifier, int optionBits, String... filters) throws IOException {
        Buffer body = new Buffer();
        body.u16(nextPacketId++);
        Buffer properties = new Buffer();
        if (subscriptionIdentifier != null) {
            properties.u8(PROPERTY_SUBSCRIPTION_IDENTIFIER).varint(subscriptionIdentifier);
        }
        body.properties(properties);
        for (String filter : filters) {
            body.string(filter);
            body.u8(1 | optionBits);
        }
        write(0x82, body);
        return ack(read(9));
    }

    /** PUBLISH packets received so far. */
    List<Incoming> received() throws IOException {
        List<Incoming> result = new ArrayList<>();
        for (Packet packet : published) {
            result.add(incoming(packet));
        }
        return result;
    }

    /** Waits up to {@code timeout} for the next PUBLISH the broker sends; null if none. */
    Incoming awaitPublish(Duration timeout) throws IOException {
        if (!published.isEmpty()) {
            return incoming(published.remove(0));
        }
        int before = socket.getSoTimeout();
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            read(3);
            return incoming(published.remove(0));
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(before);
        }
    }

    /** Whether the broker still answers: a PINGREQ gets its PINGRESP. */
    boolean isConnected() {
        try {
            out.write(new byte[] {(byte) 0xC0, 0});
            out.flush();
            read(13);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            out.write(new byte[] {(byte) 0xE0, 0});
            out.flush();
        } catch (IOException e) {
            // already gone
        }
        try {
            socket.close();
        } catch (IOException e) {
            // ignore
        }
    }

    private void write(int header, Buffer body) throws IOException {
        Buffer packet = new Buffer();
        packet.u8(header);
        packet.varint(body.size());
        packet.bytes(body.toByteArray());
        out.write(packet.toByteArray());
        out.flush();
    }

    /** Reads until a packet of one of {@code types} arrives (PUBLISH kept as in {@link #read(int)}). */
    private Packet readAny(int... types) throws IOException {
        while (true) {
            int header = in.read();
            if (header < 0) {
                throw new EOFException("connection closed by the broker");
            }
            byte[] body = new byte[readVarint(in)];
            in.readFully(body);
            Packet packet = new Packet(header, body);
            if (packet.type() == 3) {
                published.add(packet);
                acknowledge(packet);
            }
            for (int type : types) {
                if (packet.type() == type) {
                    return packet;
                }
            }
        }
    }

    /** Reads packets until one of {@code type} arrives; PUBLISH packets are kept (and acknowledged) on the way. */
    private Packet read(int type) throws IOException {
        while (true) {
            int header = in.read();
            if (header < 0) {
                throw new EOFException("connection closed by the broker");
            }
            int length = readVarint(in);
            byte[] body = new byte[length];
            in.readFully(body);
            Packet packet = new Packet(header, body);
            if (packet.type() == 3) {
                published.add(packet);
                acknowledge(packet);
                if (type == 3) {
                    return packet;
                }
                continue;
            }
            if (packet.type() == 14 && type != 14) {
                Ack disconnect = ack(packet);
                throw new EOFException("DISCONNECT 0x" + Integer.toHexString(disconnect.reasonCode()) + " "
                        + disconnect.reasonString());
            }
            if (packet.type() == type) {
                return packet;
            }
        }
    }

    private void acknowledge(Packet publish) throws IOException {
        int qos = (publish.header() >>> 1) & 3;
        if (qos == 0) {
            return;
        }
        Reader reader = new Reader(publish.body());
        reader.string();
        int packetId = reader.u16();
        out.write(new byte[] {0x40, 2, (byte) (packetId >>> 8), (byte) packetId});
        out.flush();
    }

    private static Incoming incoming(Packet packet) {
        Reader reader = new Reader(packet.body());
        String topic = reader.string();
        int qos = (packet.header() >>> 1) & 3;
        if (qos > 0) {
            reader.u16();
        }
        int propertiesLength = reader.varint();
        reader.skip(propertiesLength);
        return new Incoming(topic, reader.rest(), (packet.header() & 1) == 1);
    }

    /** CONNACK (flags, code, properties), PUBACK (id, code, properties), SUBACK (id, properties, codes), DISCONNECT. */
    private static Ack ack(Packet packet) {
        Reader reader = new Reader(packet.body());
        List<Integer> codes = new ArrayList<>();
        int type = packet.type();
        if (type == 2) {
            reader.u8();
            codes.add(reader.u8());
        } else if (type == 4 || type == 5) {
            reader.u16();
            codes.add(reader.remaining() > 0 ? reader.u8() : 0);
        } else if (type == 14 || type == 15) {
            codes.add(reader.remaining() > 0 ? reader.u8() : 0);
        } else if (type == 9) {
            reader.u16();
        }
        String reasonString = null;
        int topicAliasMaximum = 0;
        byte[] authData = null;
        if (reader.remaining() > 0) {
            int end = reader.varint() + reader.position();
            while (reader.position() < end) {
                int id = reader.u8();
                switch (id) {
                    case PROPERTY_REASON_STRING -> reasonString = reader.string();
                    case PROPERTY_TOPIC_ALIAS_MAXIMUM -> topicAliasMaximum = reader.u16();
                    case 0x21, 0x13 -> reader.u16();
                    case 0x11, 0x27 -> reader.u32();
                    case 0x24, 0x25, 0x28, 0x29, 0x2A -> reader.u8();
                    case 0x12, 0x15, 0x1A, 0x1C -> reader.string();
                    case 0x16 -> authData = reader.bytes(reader.u16());
                    case 0x26 -> {
                        reader.string();
                        reader.string();
                    }
                    default -> throw new IllegalStateException("unexpected property 0x" + Integer.toHexString(id));
                }
            }
        }
        if (type == 9) {
            while (reader.remaining() > 0) {
                codes.add(reader.u8());
            }
        }
        return new Ack(type, codes, reasonString, topicAliasMaximum, authData);
    }

    private static int readVarint(InputStream in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("bad variable byte integer");
    }

    private static final class Buffer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Buffer u8(int value) {
            bytes.write(value);
            return this;
        }

        Buffer u16(int value) {
            bytes.write(value >>> 8);
            bytes.write(value);
            return this;
        }

        Buffer u32(long value) {
            u16((int) (value >>> 16));
            return u16((int) value);
        }

        Buffer varint(int value) {
            do {
                int digit = value & 0x7F;
                value >>>= 7;
                bytes.write(value > 0 ? digit | 0x80 : digit);
            } while (value > 0);
            return this;
        }

        Buffer string(String text) {
            return binary(text.getBytes(StandardCharsets.UTF_8));
        }

        Buffer binary(byte[] data) {
            u16(data.length);
            return bytes(data);
        }

        Buffer bytes(byte[] data) {
            bytes.writeBytes(data);
            return this;
        }

        Buffer properties(Buffer properties) {
            varint(properties.size());
            return bytes(properties.toByteArray());
        }

        int size() {
            return bytes.size();
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }

    private static final class Reader {
        private final byte[] data;
        private int position;

        Reader(byte[] data) {
            this.data = data;
        }

        int u8() {
            return data[position++] & 0xFF;
        }

        int u16() {
            return (u8() << 8) | u8();
        }

        long u32() {
            return ((long) u16() << 16) | u16();
        }

        int varint() {
            int value = 0;
            for (int shift = 0; ; shift += 7) {
                int b = u8();
                value |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
        }

        String string() {
            int length = u16();
            String text = new String(data, position, length, StandardCharsets.UTF_8);
            position += length;
            return text;
        }

        byte[] bytes(int n) {
            byte[] bytes = java.util.Arrays.copyOfRange(data, position, position + n);
            position += n;
            return bytes;
        }

        void skip(int n) {
            position += n;
        }

        int remaining() {
            return data.length - position;
        }

        int position() {
            return position;
        }

        byte[] rest() {
            byte[] rest = java.util.Arrays.copyOfRange(data, position, data.length);
            position = data.length;
            return rest;
        }
    }
}
