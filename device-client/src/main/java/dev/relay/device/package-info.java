/** The Paho-based device client and the {@code relay} command line. Filled by the device client issue. */
package dev.relay.device;
