package dev.relay.artemis;

import dev.relay.protocol.Address;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorMapping;
import dev.relay.protocol.RelayException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.activemq.artemis.core.protocol.stomp.StompConnection;
import org.apache.activemq.artemis.core.protocol.stomp.StompFrame;
import org.apache.activemq.artemis.core.protocol.stomp.StompFrameInterceptor;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;

/**
 * Outgoing STOMP interceptor, installed by the plugin. Artemis answers every refusal with an ERROR
 * frame in its own words; this puts the SPEC reason string ({@code "<code>: <text>"}, SPEC §10.6) into its
 * {@code message} header instead (Artemis' own text moves to the body):
 * <ul>
 * <li>a refused CONNECT: the code the relay's engine gave it, kept by the security manager ({@link PendingRefusals});</li>
 * <li>a SEND the plugin refused: its reason and the {@code receipt-id} of that SEND, in order per connection;</li>
 * <li>a refusal the plugin raised inside Artemis' own handling (an address the namespace may not hold): Artemis
 * passes the relay's reason on as the body;</li>
 * <li>Artemis' own permission refusals, refused subscriptions and missing names in the namespace (the security
 * manager said no before the plugin saw the frame, or the relay never made the name): {@code "forbidden: <Artemis'
 * text>"}.</li>
 * </ul>
 */
final class RelayStompInterceptor implements StompFrameInterceptor {
    /** Artemis' "Error sending message" (AMQ339011): the ERROR frames that answer a refused SEND. */
    private static final String SEND_ERROR = "AMQ339011";
    /** Artemis' "Error creating subscription" (AMQ339016): the consumer was refused; Artemis shows no cause. */
    private static final String SUBSCRIPTION_ERROR = "AMQ339016";
    /** Artemis' "Destination does not exist" (AMQ339001), ending with the name (colons removed). */
    private static final String NO_DESTINATION = "AMQ339001";
    /** Artemis' permission refusals: on an address (AMQ229032) and on a queue (AMQ229213). */
    private static final List<String> PERMISSION_ERRORS = List.of("AMQ229032", "AMQ229213");

    private final PendingRefusals refusals;

    RelayStompInterceptor(PendingRefusals refusals) {
        this.refusals = refusals;
    }

    @Override
    public boolean intercept(StompFrame frame, RemotingConnection connection) {
        if (!"ERROR".equals(frame.getCommand()) || !(connection instanceof StompConnection stomp)) {
            return true;
        }
        PendingRefusals.Send refusal = relayReason(frame, connection.getID());
        if (refusal == null) {
            return true;
        }
        replace(stomp, frame, refusal);
        return false;
    }

    /** The reason string and receipt-id this ERROR frame should carry, or null to send Artemis' frame as it is. */
    private PendingRefusals.Send relayReason(StompFrame error, Object connectionId) {
        String receipt = error.getHeader("receipt-id");
        RelayException connect = refusals.takeStompConnect(connectionId);
        if (connect != null) {
            return new PendingRefusals.Send(connect.reasonString(), receipt); // the one ERROR of a refused CONNECT
        }
        String message = error.getHeader("message");
        if (message == null) {
            return null;
        }
        if (message.startsWith(SEND_ERROR)) {
            return refusals.takeStompSend(connectionId);
        }
        String passedOn = reasonInBody(message, error.getBodyAsBytes());
        if (passedOn != null) {
            return new PendingRefusals.Send(passedOn, receipt);
        }
        if (PERMISSION_ERRORS.stream().anyMatch(message::startsWith) || message.startsWith(SUBSCRIPTION_ERROR)
                || namesMissingRelayQueue(message)) {
            return new PendingRefusals.Send("forbidden: " + message, receipt);
        }
        return null;
    }

    /**
     * A relay reason string that Artemis put into the body of its ERROR frame: it wraps an exception from its own
     * handling of a frame as {@code message} = the exception's text without colons, {@code body} = the text itself.
     */
    private static String reasonInBody(String message, byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        String text = new String(body, StandardCharsets.UTF_8);
        if (ErrorMapping.codeOf(text) == null || !message.equals(text.replace(":", ""))) {
            return null;
        }
        return text;
    }

    /**
     * A name in the relay namespace that does not exist: the relay makes every name a client may use there, so a
     * missing one (a queue of an address, {@code relay.v1.sys::x}) is one the client may not use.
     */
    private static boolean namesMissingRelayQueue(String message) {
        return message.startsWith(NO_DESTINATION) && !(Addressing.parseArtemisAddress(
                message.substring(message.lastIndexOf(' ') + 1)) instanceof Address.Outside);
    }

    /**
     * STOMP 1.1+ frames keep repeated headers and clients read the first, so the header cannot be replaced in place:
     * the original ERROR is dropped and one with the relay's reason goes out instead (it passes here unchanged).
     */
    private static void replace(StompConnection stomp, StompFrame original, PendingRefusals.Send refusal) {
        StompFrame error = stomp.getFrameHandler().createStompFrame("ERROR");
        error.addHeader("message", refusal.reason());
        if (refusal.receipt() != null) {
            error.addHeader("receipt-id", refusal.receipt());
        }
        error.addHeader("content-type", "text/plain");
        error.setByteBody(String.valueOf(original.getHeader("message")).getBytes(StandardCharsets.UTF_8));
        error.setNeedsDisconnect(original.needsDisconnect());
        stomp.sendFrame(error, null);
    }
}
