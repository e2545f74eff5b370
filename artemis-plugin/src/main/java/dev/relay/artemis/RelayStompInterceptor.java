package dev.relay.artemis;

import org.apache.activemq.artemis.core.protocol.stomp.StompFrame;
import org.apache.activemq.artemis.core.protocol.stomp.StompFrameInterceptor;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * STOMP interceptor, for both {@code <remoting-incoming-interceptors>} and {@code <remoting-outgoing-interceptors>}.
 * Artemis answers a refused SEND with an ERROR frame whose {@code message} names its own error and the message; this
 * puts the SPEC reason string ({@code "<code>: <text>"}, SPEC §10.6) there instead, and the {@code receipt-id} of the
 * refused frame. The SEND, its refusal and the ERROR frame all happen on one thread, so the pieces travel in
 * thread-locals. It never refuses anything itself.
 */
public final class RelayStompInterceptor implements StompFrameInterceptor {
    private static final ThreadLocal<String> RECEIPT = new ThreadLocal<>();

    @Override
    public boolean intercept(StompFrame frame, RemotingConnection connection) {
        String command = frame.getCommand();
        if ("SEND".equals(command)) {
            RECEIPT.set(frame.getHeader("receipt"));
        } else if ("ERROR".equals(command)) {
            String reason = InboundSends.takeRefusalReason();
            String receipt = RECEIPT.get();
            RECEIPT.remove();
            if (reason != null) {
                frame.addHeader("message", reason);
                if (receipt != null) {
                    frame.addHeader("receipt-id", receipt);
                }
            }
        }
        return true;
    }
}
