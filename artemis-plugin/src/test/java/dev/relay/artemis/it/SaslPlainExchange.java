package dev.relay.artemis.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One AMQP SASL PLAIN exchange over a plain socket, with an authzid of the test's choosing (Qpid ProtonJ2 always sends
 * an empty one): the SASL header, the broker's mechanisms, a sasl-init, and the sasl-outcome code the broker answers.
 * The connection ends there; no AMQP open follows.
 */
final class SaslPlainExchange {
    static final int OK = 0;
    static final int AUTH = 1;
    private static final byte[] SASL_HEADER = {'A', 'M', 'Q', 'P', 3, 1, 0, 0};
    private static final int SASL_INIT = 0x41;
    private static final int SASL_OUTCOME = 0x44;

    private SaslPlainExchange() {
    }

    /** The sasl-outcome code for PLAIN with {@code authzid NUL authcid NUL password}. */
    static int outcome(BrokerEndpoints broker, String authzid, String authcid, String password) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(broker.amqpHost(), broker.amqpPort()), 10_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            out.write(SASL_HEADER);
            byte[] header = in.readNBytes(SASL_HEADER.length);
            if (!Arrays.equals(header, SASL_HEADER)) {
                throw new IOException("not an AMQP SASL header: " + Arrays.toString(header));
            }
            readFrameBody(in); // sasl-mechanisms
            out.write(saslInit(String.join("\0", authzid, authcid, password).getBytes(StandardCharsets.UTF_8)));
            out.flush();
            return outcomeCode(readFrameBody(in));
        }
    }

    /** A SASL frame: size, data offset 2, type 1, channel 0, then sasl-init(mechanism PLAIN, initial response). */
    private static byte[] saslInit(byte[] initialResponse) {
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        byte[] mechanism = "PLAIN".getBytes(StandardCharsets.US_ASCII);
        fields.write(0xA3); // sym8
        fields.write(mechanism.length);
        fields.writeBytes(mechanism);
        fields.write(0xB0); // vbin32
        fields.writeBytes(ByteBuffer.allocate(4).putInt(initialResponse.length).array());
        fields.writeBytes(initialResponse);
        ByteBuffer body = ByteBuffer.allocate(3 + 1 + 8 + fields.size());
        body.put((byte) 0x00).put((byte) 0x53).put((byte) SASL_INIT); // described type, smallulong descriptor
        body.put((byte) 0xD0).putInt(4 + fields.size()).putInt(2).put(fields.toByteArray()); // list32 of 2 fields
        ByteBuffer frame = ByteBuffer.allocate(8 + body.capacity());
        frame.putInt(frame.capacity()).put((byte) 2).put((byte) 1).putShort((short) 0).put(body.array());
        return frame.array();
    }

    private static byte[] readFrameBody(DataInputStream in) throws IOException {
        int size = in.readInt();
        int dataOffset = in.readUnsignedByte() * 4;
        in.readNBytes(dataOffset - 5); // type, channel and any extended header
        return in.readNBytes(size - dataOffset);
    }

    /** The code of a sasl-outcome body: its first field, a ubyte. */
    private static int outcomeCode(byte[] body) throws IOException {
        if (body.length < 4 || body[0] != 0x00 || body[1] != 0x53 || body[2] != SASL_OUTCOME) {
            throw new IOException("not a sasl-outcome: " + Arrays.toString(body));
        }
        int at = switch (body[3] & 0xFF) {
            case 0xC0 -> 7; // list8: size, count, ubyte constructor, code
            case 0xD0 -> 13; // list32: size, count, ubyte constructor, code
            default -> throw new IOException("sasl-outcome without fields: " + Arrays.toString(body));
        };
        if ((body[at - 1] & 0xFF) != 0x50) {
            throw new IOException("sasl-outcome code is not a ubyte: " + Arrays.toString(body));
        }
        return body[at] & 0xFF;
    }
}
