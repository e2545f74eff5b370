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
 * Refusals by Artemis' own permission check (a SEND or SUBSCRIBE naming something the security manager refuses,
 * decided before the plugin sees the frame) get the reason string {@code "forbidden: <Artemis' text>"}.
 */
public final class RelayStompInterceptor implements StompFrameInterceptor {
    /** Artemis' "Error sending message" (AMQ339011): the ERROR frames that answer a refused SEND. */
    private static final String SEND_ERROR = "AMQ339011";
    /** Artemis' permission refusals: on an address (AMQ229032) and on a queue (AMQ229213). */
    private static final String[] PERMISSION_ERRORS = {"AMQ229032", "AMQ229213"};
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
        if (message != null && isPermissionError(message) && connection instanceof StompConnection stomp) {
            replace(stomp, frame, "forbidden: " + message, frame.getHeader("receipt-id"), message);
            return false;
        }
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
        replace(stomp, frame, refusal[0], refusal[1], message);
        return false;
    }

    private static boolean isPermissionError(String message) {
        for (String code : PERMISSION_ERRORS) {
            if (message.startsWith(code)) {
                return true;
            }
        }
        return false;
    }

    /**
     * STOMP 1.1+ frames keep repeated headers and clients read the first, so the header cannot be replaced in place:
     * the original ERROR is dropped and one with the relay's reason goes out instead (it passes here unchanged).
     */
    private static void replace(StompConnection stomp, StompFrame original, String reason, String receipt,
                                String artemisText) {
        StompFrame error = stomp.getFrameHandler().createStompFrame("ERROR");
        error.addHeader("message", reason);
        if (receipt != null) {
            error.addHeader("receipt-id", receipt);
        }
        error.addHeader("content-type", "text/plain");
        error.setByteBody(artemisText.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        error.setNeedsDisconnect(original.needsDisconnect());
        stomp.sendFrame(error, null);
    }
}
