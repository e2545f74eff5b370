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
    private static final String ANYCAST_PREFIX = "anycast://";
    private static final String MULTICAST_PREFIX = "multicast://";
    private static final String FQQN_SEPARATOR = "::";

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

    /**
     * Classifies an Artemis address, queue or STOMP destination (also what an MQTT topic became inside Artemis).
     * Handles routing-type prefixes ({@code anycast://}, {@code multicast://}), fully qualified queue names
     * ({@code address::queue}) and Artemis wildcards ({@code *} one word, {@code #} any words), so that no spelling
     * reaches an inbox other than by its exact name.
     */
    public static Address parseArtemisAddress(String address) {
        if (address == null || address.isEmpty()) {
            return new Address.Forbidden("", "no address");
        }
        String name = address;
        boolean multicast = false;
        if (name.startsWith(ANYCAST_PREFIX)) {
            name = name.substring(ANYCAST_PREFIX.length());
        } else if (name.startsWith(MULTICAST_PREFIX)) {
            name = name.substring(MULTICAST_PREFIX.length());
            multicast = true;
        }
        int separator = name.indexOf(FQQN_SEPARATOR);
        Address result = separator < 0 ? classifyArtemisName(name)
                : classifyQualifiedQueue(address, name.substring(0, separator), name.substring(separator + 2));
        if (!multicast) {
            return result;
        }
        // Relay names are ANYCAST (SPEC §4); a multicast subscription would copy an inbox's traffic.
        return result instanceof Address.Outside ? new Address.Outside(address)
                : new Address.Forbidden(address, "relay addresses are anycast");
    }

    /** {@code address::queue}: allowed only as an inbox's own queue on its own address, or wholly outside. */
    private static Address classifyQualifiedQueue(String raw, String address, String queue) {
        Address onAddress = classifyArtemisName(address);
        Address onQueue = classifyArtemisName(queue);
        if (onAddress instanceof Address.Outside && onQueue instanceof Address.Outside) {
            return new Address.Outside(raw);
        }
        if (onAddress instanceof Address.Inbox inbox && onQueue.equals(onAddress)) {
            return inbox;
        }
        return new Address.Forbidden(raw, "a queue in the relay namespace is reached only by its inbox name");
    }

    private static Address classifyArtemisName(String name) {
        if (name.contains("*") || name.contains("#")) {
            return couldMatchNamespace(name, "\\.", "*", "#")
                    ? new Address.Forbidden(name, "wildcards may reach other inboxes")
                    : new Address.Outside(name);
        }
        return classify(name, ARTEMIS_NAMESPACE, ARTEMIS_INBOX_PREFIX, ARTEMIS_SYSTEM_ADDRESS, null);
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
            return couldMatchNamespace(topicFilter, "/", "+", "#")
                    ? new Address.Forbidden(filter, "wildcards may reach other inboxes")
                    : new Address.Outside(filter);
        }
        return classify(topicFilter, MQTT_NAMESPACE, MQTT_INBOX_PREFIX, MQTT_SYSTEM_TOPIC, group);
    }

    /** Whether a wildcard filter could match a name in the relay namespace ({@code relay}, {@code v1}, ...). */
    private static boolean couldMatchNamespace(String filter, String delimiterRegex, String single, String multi) {
        String[] want = {"relay", "v1"};
        String[] levels = filter.split(delimiterRegex, -1);
        for (int i = 0; i < want.length; i++) {
            if (i >= levels.length) {
                return false;
            }
            if (levels[i].equals(multi)) {
                return true;
            }
            if (!levels[i].equals(single) && !levels[i].equals(want[i])) {
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
                KeyId.requireSyntax(keyId, "inbox key id");
                return new Address.Inbox(keyId, group);
            } catch (RelayException e) {
                return new Address.Forbidden(name, "not an inbox of a valid key id");
            }
        }
        return new Address.Forbidden(name, "reserved relay namespace");
    }
}
