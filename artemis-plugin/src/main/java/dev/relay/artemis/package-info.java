/**
 * The Apache Artemis plugin: security manager, broker plugin and interceptors over relay-core.
 */
package dev.relay.artemis;
