/**
 * The Java agent client of the Relay WebSocket gateway (SPEC §13): {@link dev.relay.agent.RelayAgent} connects as one
 * identity through the gateway. The client logic is {@link dev.relay.client.ClientCore}'s; this package holds the
 * WebSocket frames and connection, on Tyrus' client with its JDK container.
 */
package dev.relay.agent;
