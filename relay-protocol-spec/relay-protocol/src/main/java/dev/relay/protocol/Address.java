package dev.relay.protocol;

/** What a topic, address or subscription filter names, whatever the transport spelled it as (SPEC §4). */
public sealed interface Address {

    /** The inbox of one identity. {@code sharedGroup} is set for an MQTT {@code $share/<group>/...} subscription. */
    record Inbox(String keyId, String sharedGroup) implements Address {
    }

    /** The reserved system address for requests. */
    record SystemRequests() implements Address {
    }

    /** Inside the relay namespace but not an inbox or the system address, or a filter with wildcards in it. */
    record Forbidden(String raw, String why) implements Address {
    }

    /** Outside the relay namespace: an operator setting decides (deny by default). */
    record Outside(String raw) implements Address {
    }
}
