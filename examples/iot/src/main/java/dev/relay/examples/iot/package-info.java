/**
 * The smart-home example: a {@link dev.relay.examples.iot.TemperatureSensor} and a {@link dev.relay.examples.iot.Fan}
 * on MQTT (device client), a {@link dev.relay.examples.iot.Controller} agent on the WebSocket gateway, and
 * {@link dev.relay.examples.iot.SmartHomeScenario}, the offline-command story that {@code ./relay demo} runs.
 */
package dev.relay.examples.iot;
