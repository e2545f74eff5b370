package dev.relay.artemis;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.activemq.artemis.core.protocol.stomp.StompConnection;
import org.apache.activemq.artemis.core.protocol.stomp.StompFrame;
import org.apache.activemq.artemis.core.protocol.stomp.StompFrameInterceptor;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * Outgoing STOMP interceptor ({@code <remoting-outgoing-interceptors>}). Artemis answers a refused SEND with an ERROR
 * frame whose {@code message} names its own error code and the message; this puts the SPEC reason string
 * ({@code "<code>: <text>"}, SPEC §10.6) there instead, with the {@code receipt-id} of the refused SEND (Artemis' own
 * text moves to the body). Artemis sends
 * the ERROR later, from its I/O callback thread, so the plugin leaves each refusal here per connection, in order.
 */
public final class RelayStompInterceptor implements StompFrameInterceptor {
    /** Artemis' "Error sending message" (AMQ339011): the ERROR frames that answer a refused SEND. */
    private static final String SEND_ERROR = "AMQ339011";
    private static final int MAX_PENDING = 64;
    private static final Map<Object, Deque<String[]>> PENDING = new ConcurrentHashMap<>();

    /** Called by the plugin when it refuses a STOMP SEND. */
    static void refused(Object connectionId, String reason, String receipt) {
        Deque<String[]> pending = PENDING.computeIfAbsent(connectionId, id -> new ArrayDeque<>());
        synchronized (pending) {
            if (pending.size() < MAX_PENDING) {
                pending.addLast(new String[] {reason, receipt});
            }
        }
    }

    static void forget(Object connectionId) {
        PENDING.remove(connectionId);
    }

    @Override
    public boolean intercept(StompFrame frame, RemotingConnection connection) {
        if (!"ERROR".equals(frame.getCommand()) || connection == null) {
            return true;
        }
        String message = frame.getHeader("message");
        Deque<String[]> pending = PENDING.get(connection.getID());
        if (pending == null || message == null || !message.startsWith(SEND_ERROR)) {
            return true;
        }
        String[] refusal;
        synchronized (pending) {
            refusal = pending.pollFirst();
        }
        if (refusal == null || !(connection instanceof StompConnection stomp)) {
            return true;
        }
        // STOMP 1.1+ frames keep repeated headers and clients read the first, so the header cannot be replaced in
        // place: this ERROR is dropped and one with the relay's reason goes out instead (it passes here unchanged).
        StompFrame error = stomp.getFrameHandler().createStompFrame("ERROR");
        error.addHeader("message", refusal[0]);
        if (refusal[1] != null) {
            error.addHeader("receipt-id", refusal[1]);
        }
        error.addHeader("content-type", "text/plain");
        error.setByteBody(message.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        error.setNeedsDisconnect(frame.needsDisconnect());
        stomp.sendFrame(error, null);
        return false;
    }
}
