package dev.relay.protocol;

/**
 * Topic and address names (SPEC §4). MQTT uses {@code relay/v1/inbox/<key id>}; Artemis addresses (AMQP address,
 * STOMP destination, core) use {@code relay.v1.inbox.<key id>}, which is where Artemis maps that MQTT topic, so every
 * protocol on one Artemis broker sees the same inbox queue.
 */
public final class Addressing {
    public static final String MQTT_NAMESPACE = "relay/v1/";
    public static final String MQTT_INBOX_PREFIX = "relay/v1/inbox/";
    public static final String MQTT_SYSTEM_TOPIC = "relay/v1/sys";
    public static final String ARTEMIS_NAMESPACE = "relay.v1.";
    public static final String ARTEMIS_INBOX_PREFIX = "relay.v1.inbox.";
    public static final String ARTEMIS_SYSTEM_ADDRESS = "relay.v1.sys";
    private static final String MQTT_SHARED_PREFIX = "$share/";

    private Addressing() {
    }

    public static String mqttInbox(String keyId) {
        return MQTT_INBOX_PREFIX + keyId;
    }

    public static String artemisInbox(String keyId) {
        return ARTEMIS_INBOX_PREFIX + keyId;
    }

    /** Classifies an MQTT topic name of a PUBLISH. */
    public static Address parseMqttTopic(String topic) {
        return classify(topic, MQTT_NAMESPACE, MQTT_INBOX_PREFIX, MQTT_SYSTEM_TOPIC, null);
    }

    /** Classifies an Artemis address (also what an MQTT topic or STOMP destination became inside Artemis). */
    public static Address parseArtemisAddress(String address) {
        if (address == null) {
            return new Address.Forbidden("", "no address");
        }
        // Artemis may prefix a routing type, e.g. "anycast://relay.v1.inbox.X" from AMQP or STOMP clients. Relay
        // names are ANYCAST (SPEC §4); "multicast://relay.v1...." must not pass as a name outside the namespace.
        if (address.startsWith("multicast://") && address.startsWith(ARTEMIS_NAMESPACE, "multicast://".length())) {
            return new Address.Forbidden(address, "relay addresses are anycast");
        }
        String plain = address.startsWith("anycast://") ? address.substring("anycast://".length()) : address;
        return classify(plain, ARTEMIS_NAMESPACE, ARTEMIS_INBOX_PREFIX, ARTEMIS_SYSTEM_ADDRESS, null);
    }

    /**
     * Classifies an MQTT subscription filter. Only an exact inbox (optionally as a shared subscription) is an
     * {@link Address.Inbox}; any wildcard that could reach into the relay namespace is {@link Address.Forbidden}.
     */
    public static Address parseMqttFilter(String filter) {
        if (filter == null || filter.isEmpty()) {
            return new Address.Forbidden("", "empty filter");
        }
        String group = null;
        String topicFilter = filter;
        if (filter.startsWith(MQTT_SHARED_PREFIX)) {
            int slash = filter.indexOf('/', MQTT_SHARED_PREFIX.length());
            if (slash < 0) {
                return new Address.Forbidden(filter, "malformed shared subscription");
            }
            group = filter.substring(MQTT_SHARED_PREFIX.length(), slash);
            topicFilter = filter.substring(slash + 1);
        }
        if (topicFilter.contains("+") || topicFilter.contains("#")) {
            return couldMatchNamespace(topicFilter)
                    ? new Address.Forbidden(filter, "wildcards may reach other inboxes")
                    : new Address.Outside(filter);
        }
        return classify(topicFilter, MQTT_NAMESPACE, MQTT_INBOX_PREFIX, MQTT_SYSTEM_TOPIC, group);
    }

    /** Whether a wildcard filter could match any topic under {@code relay/v1/}. */
    private static boolean couldMatchNamespace(String filter) {
        String[] want = {"relay", "v1"};
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < want.length; i++) {
            if (i >= levels.length) {
                return false;
            }
            if (levels[i].equals("#")) {
                return true;
            }
            if (!levels[i].equals("+") && !levels[i].equals(want[i])) {
                return false;
            }
        }
        return true;
    }

    private static Address classify(String name, String namespace, String inboxPrefix, String system, String group) {
        if (name == null) {
            return new Address.Forbidden("", "no topic");
        }
        if (!name.startsWith(namespace)) {
            return new Address.Outside(name);
        }
        if (name.equals(system)) {
            return group == null ? new Address.SystemRequests() : new Address.Forbidden(name, "shared subscription to sys");
        }
        if (name.startsWith(inboxPrefix)) {
            String keyId = name.substring(inboxPrefix.length());
            try {
                EnvelopeParser.requireKeyIdSyntax(keyId, "inbox key id");
                return new Address.Inbox(keyId, group);
            } catch (RelayException e) {
                return new Address.Forbidden(name, "not an inbox of a valid key id");
            }
        }
        return new Address.Forbidden(name, "reserved relay namespace");
    }
}
