/**
 * The conformance kit: black-box checks that every binding (HiveMQ extension, Artemis plugin, gateway) must pass
 * through real clients. It starts from the checked-in vectors in {@code relay-protocol-spec/vectors/}; broker
 * scenarios are added with the first binding.
 */
package dev.relay.tck;
