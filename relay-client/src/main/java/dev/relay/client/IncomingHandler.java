package dev.relay.client;

/**
 * Application code for verified envelopes from the inbox. Called on one dedicated thread, one envelope at a time, in
 * delivery order. Returning acknowledges the delivery; throwing leaves it unacknowledged, so the gateway delivers it
 * again after the next reconnect (delivery is at-least-once, SPEC §13.4).
 */
@FunctionalInterface
public interface IncomingHandler {
    void onMessage(Incoming message) throws Exception;
}
