package dev.relay.artemis.it;

import dev.relay.tck.RelayBinding;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A STOMP 1.1/1.2 client over a plain socket: CONNECT with login = key id and passcode = token, SEND with content-length
 * and a receipt header (SPEC §11), SUBSCRIBE with ack:client-individual, ACK per message. Frames are read on one
 * thread; RECEIPT and ERROR frames answer the request that asked for a receipt.
 */
final class StompClient implements ArtemisClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    record Frame(String command, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final String keyId;
    private final BlockingQueue<Frame> replies = new LinkedBlockingQueue<>();
    private final BlockingQueue<Frame> messages = new LinkedBlockingQueue<>();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile boolean open = true;

    private StompClient(Socket socket, String keyId) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.keyId = keyId;
        Thread reader = new Thread(this::readLoop, "stomp-reader-" + keyId.substring(0, Math.min(6, keyId.length())));
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Connects with STOMP 1.1, where a refused SEND does not cost the connection (STOMP 1.2 servers close after every
     * ERROR); a refusal throws {@link RelayBinding.ConnectRefusedException} whose reason string is the ERROR frame's
     * {@code message}.
     */
    static StompClient connect(BrokerEndpoints broker, String login, String passcode) throws Exception {
        return connect(broker, login, passcode, "1.1");
    }

    static StompClient connect(BrokerEndpoints broker, String login, String passcode, String version) throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", broker.stompPort()), (int) TIMEOUT.toMillis());
        StompClient client = new StompClient(socket, login);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("accept-version", version);
        headers.put("host", "127.0.0.1");
        headers.put("login", login);
        if (passcode != null) {
            headers.put("passcode", passcode);
        }
        headers.put("heart-beat", "0,0");
        client.write("CONNECT", headers, null);
        Frame answer = client.replies.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (answer == null || !answer.command().equals("CONNECTED")) {
            client.close();
            if (answer == null) {
                throw new RelayBinding.ConnectRefusedException("STOMP: no answer to CONNECT");
            }
            throw new RelayBinding.ConnectRefusedException("STOMP ERROR: " + answer.header("message"),
                    answer.header("message"));
        }
        return client;
    }

    @Override
    public String keyId() {
        return keyId;
    }

    @Override
    public boolean tryConsume(String address) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("id", "sub-" + ids.incrementAndGet());
        headers.put("destination", address);
        headers.put("destination-type", "ANYCAST");
        headers.put("ack", "client-individual");
        return request("SUBSCRIBE", headers, null).command().equals("RECEIPT");
    }

    @Override
    public RelayBinding.Sent sendTo(String address, byte[] payload) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("destination", address);
        headers.put("content-type", "application/json");
        Frame answer = request("SEND", headers, payload);
        if (answer.command().equals("RECEIPT")) {
            return RelayBinding.Sent.accepted();
        }
        return new RelayBinding.Sent(true, answer.header("message"));
    }

    /** Sends a frame with a receipt header; returns the RECEIPT or ERROR that answers it. */
    Frame request(String command, Map<String, String> headers, byte[] body) throws Exception {
        String receipt = "r-" + ids.incrementAndGet();
        headers.put("receipt", receipt);
        write(command, headers, body);
        Frame answer = replies.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (answer == null) {
            throw new IllegalStateException("no RECEIPT or ERROR for " + command);
        }
        return answer;
    }

    @Override
    public byte[] receive(Duration timeout) throws Exception {
        Frame message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            return null;
        }
        Map<String, String> ack = new LinkedHashMap<>();
        ack.put("id", message.header("ack")); // STOMP 1.2
        ack.put("message-id", message.header("message-id")); // STOMP 1.1
        ack.put("subscription", message.header("subscription"));
        write("ACK", ack, null);
        return message.body();
    }

    @Override
    public boolean isConnected() {
        return open && !socket.isClosed();
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private synchronized void write(String command, Map<String, String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(command).append('\n');
        headers.forEach((name, value) -> head.append(name).append(':').append(value).append('\n'));
        if (body != null) {
            head.append("content-length:").append(body.length).append('\n');
        }
        head.append('\n');
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
            out.write(body);
        }
        out.write(0);
        out.flush();
    }

    private void readLoop() {
        try (InputStream in = socket.getInputStream()) {
            while (open) {
                Frame frame = readFrame(in);
                if (frame == null) {
                    break;
                }
                if (frame.command().equals("MESSAGE")) {
                    messages.add(frame);
                } else {
                    replies.add(frame);
                }
            }
        } catch (IOException e) {
            // connection closed
        } finally {
            open = false;
        }
    }

    private static Frame readFrame(InputStream in) throws IOException {
        String command;
        do {
            command = readLine(in);
            if (command == null) {
                return null;
            }
        } while (command.isEmpty()); // heart-beats and the NUL's trailing newlines
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in); line != null && !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            headers.putIfAbsent(unescape(line.substring(0, colon)), unescape(line.substring(colon + 1)));
        }
        byte[] body;
        String length = headers.get("content-length");
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length.trim()));
            in.read(); // the NUL
        } else {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            for (int b = in.read(); b > 0; b = in.read()) {
                buffer.write(b);
            }
            body = buffer.toByteArray();
        }
        return new Frame(command, headers, body);
    }

    /** STOMP 1.1/1.2 header escapes. */
    private static String unescape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                char next = text.charAt(++i);
                out.append(next == 'c' ? ':' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            if (b == 0 && line.size() == 0) {
                continue;
            }
            line.write(b);
        }
        return null;
    }
}
