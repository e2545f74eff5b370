/**
 * The Tyrus WebSocket gateway: one MQTT 5 session per WebSocket client, authenticated as that client. Filled by the
 * gateway issue.
 */
package dev.relay.gateway;
