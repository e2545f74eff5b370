package dev.relay.client;

/**
 * Application code for verified envelopes from the inbox. Called on one dedicated thread, one envelope at a time, in
 * delivery order. Returning acknowledges the delivery; throwing leaves it unacknowledged, so the broker (or the gateway)
 * delivers it again after the next reconnect (delivery is at-least-once, SPEC §4.5, §13.4).
 */
@FunctionalInterface
public interface IncomingHandler {
    /**
     * Handles one verified envelope.
     *
     * @param message the envelope, with reply, receipt and stream helpers
     * @throws Exception to leave the delivery unacknowledged, so it comes again
     */
    void onMessage(Incoming message) throws Exception;
}
