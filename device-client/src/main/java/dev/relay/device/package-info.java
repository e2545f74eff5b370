/**
 * The device client: {@link dev.relay.device.RelayDevice}, a Relay client over MQTT 5 or 3.1.1 on Eclipse Paho. The
 * client logic is {@link dev.relay.client.ClientCore}'s; this package holds MQTT.
 */
package dev.relay.device;
