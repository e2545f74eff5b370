/**
 * The HiveMQ extension: HiveMQ SDK callbacks in, relay-core decisions out. Filled by the HiveMQ issue; this module
 * exists now so the build has its final shape.
 */
package dev.relay.hivemq;
