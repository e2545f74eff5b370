/** The smart-home example: sensor, fan and controller agent. Filled by the device client issue. */
package dev.relay.examples.iot;
