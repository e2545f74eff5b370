package dev.relay.gateway.it;

import dev.relay.gateway.RelayGateway;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A WebSocket client on a bare socket (RFC 6455 by hand) for what a well-behaved client library refuses to send:
 * invalid UTF-8 in text frames, lying length headers, fragment floods.
 */
final class RawWebSocket implements AutoCloseable {
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CONTINUATION = 0x0;
    static final int CLOSE = 0x8;

    /** A frame from the server; for a close frame {@code closeCode} is its status code. */
    record Frame(int opcode, byte[] payload) {
        int closeCode() {
            return payload.length >= 2 ? (payload[0] & 0xff) << 8 | payload[1] & 0xff : 1005;
        }

        String text() {
            int skip = opcode == CLOSE ? Math.min(2, payload.length) : 0;
            return new String(payload, skip, payload.length - skip, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and upgrades; {@code authorization} (may be null) is sent as the Authorization header. */
    static RawWebSocket open(RelayGateway gateway, String authorization) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
        socket.setSoTimeout((int) WsClient.TIMEOUT.toMillis());
        RawWebSocket ws = new RawWebSocket(socket);
        String request = "GET " + gateway.config().path + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1:" + gateway.port() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: relay.v1\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n";
        ws.out.write(request.getBytes(StandardCharsets.US_ASCII));
        ws.out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            head.write(ws.in.readUnsignedByte());
        }
        String status = head.toString(StandardCharsets.US_ASCII);
        if (!status.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("handshake refused: " + status.lines().findFirst().orElse(""));
        }
        return ws;
    }

    /** One masked frame with the header's length field set to {@code announcedLength} (normally payload.length). */
    void sendFrame(boolean fin, int opcode, byte[] payload, long announcedLength) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        if (announcedLength < 126) {
            frame.write(0x80 | (int) announcedLength);
        } else if (announcedLength <= 0xffff) {
            frame.write(0x80 | 126);
            frame.write((int) (announcedLength >> 8));
            frame.write((int) announcedLength);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (announcedLength >> shift));
            }
        }
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    void sendFrame(boolean fin, int opcode, byte[] payload) throws IOException {
        sendFrame(fin, opcode, payload, payload.length);
    }

    /** Bytes as they are, e.g. the rest of a payload whose header was sent with a larger announced length. */
    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void sendText(String text) throws IOException {
        sendFrame(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame from the server, or null when the connection ended (or nothing came within the timeout). */
    Frame next() throws IOException {
        try {
            int first = in.readUnsignedByte();
            int second = in.readUnsignedByte();
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            return new Frame(first & 0x0f, payload);
        } catch (EOFException | SocketException | SocketTimeoutException ended) {
            return null;
        }
    }

    /** Reads frames until the server's close frame; null if the connection ended without one. */
    Frame awaitClose() throws IOException {
        Frame frame;
        while ((frame = next()) != null) {
            if (frame.opcode() == CLOSE) {
                return frame;
            }
        }
        return null;
    }

    /** Reads frames until a text frame whose JSON type is {@code type}; null if none came. */
    String nextText(String type) throws IOException {
        Frame frame;
        while ((frame = next()) != null) {
            if (frame.opcode() == TEXT && frame.text().contains("\"type\":\"" + type + "\"")) {
                return frame.text();
            }
            if (frame.opcode() == CLOSE) {
                return null;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
