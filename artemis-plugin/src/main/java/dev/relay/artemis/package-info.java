/**
 * The Apache Artemis plugin: security manager, broker plugin and interceptors over relay-core. Filled by the Artemis
 * issue; this module exists now so the build has its final shape.
 */
package dev.relay.artemis;
