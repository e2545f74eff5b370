/**
 * The Java agent client of the Relay WebSocket gateway (SPEC §13), on Tyrus: {@link dev.relay.gateway.agent.RelayAgent}
 * connects as one identity, verifies what arrives in its inbox, and sends envelopes and system requests.
 */
package dev.relay.gateway.agent;
