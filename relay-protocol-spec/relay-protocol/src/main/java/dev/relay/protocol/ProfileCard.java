package dev.relay.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A profile card for the directory (SPEC §8.1). It travels inside a signed {@code profile.set} request, so the
 * relay can hand discoverers the signed envelope and they need not trust the relay about who published it.
 */
public record ProfileCard(String name, String description, List<Capability> capabilities, List<String> tags,
                          boolean isPublic) {
    public static final int MAX_CAPABILITIES = 32;
    public static final int MAX_TAGS = 16;
    private static final Pattern TAG = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Set<String> CARD_FIELDS = Set.of("name", "description", "capabilities", "tags", "visibility");
    private static final Set<String> CAPABILITY_FIELDS = Set.of("name", "description", "tags", "version");

    public ProfileCard {
        capabilities = List.copyOf(capabilities);
        tags = List.copyOf(tags);
    }

    /** One thing the identity can do. */
    public record Capability(String name, String description, List<String> tags, String version) {
        public Capability {
            tags = List.copyOf(tags);
        }
    }

    public static ProfileCard parse(JsonNode node) throws RelayException {
        ObjectNode card = object(node, "card");
        Json.requireOnlyFields(card, CARD_FIELDS, "card");
        String name = text(card, "name", 1, 64, true);
        String description = text(card, "description", 0, 1024, false);
        List<String> tags = tags(card.get("tags"), "card tags");
        String visibility = text(card, "visibility", 1, 16, false);
        if (visibility != null && !visibility.equals("public") && !visibility.equals("private")) {
            throw new RelayException(ErrorCode.MALFORMED, "card visibility must be public or private");
        }
        List<Capability> capabilities = new ArrayList<>();
        JsonNode caps = card.get("capabilities");
        if (caps != null && !caps.isNull()) {
            if (!caps.isArray() || caps.size() > MAX_CAPABILITIES) {
                throw new RelayException(ErrorCode.MALFORMED, "card capabilities must be an array of at most 32");
            }
            for (JsonNode item : caps) {
                ObjectNode cap = object(item, "capability");
                Json.requireOnlyFields(cap, CAPABILITY_FIELDS, "capability");
                String capDescription = text(cap, "description", 0, 512, false);
                capabilities.add(new Capability(text(cap, "name", 1, 64, true), capDescription == null ? "" : capDescription,
                        tags(cap.get("tags"), "capability tags"), text(cap, "version", 1, 32, false)));
            }
        }
        return new ProfileCard(name, description == null ? "" : description, capabilities, tags,
                !"private".equals(visibility));
    }

    public ObjectNode toJson() {
        ObjectNode card = Json.MAPPER.createObjectNode();
        card.put("name", name);
        card.put("description", description);
        ArrayNode caps = card.putArray("capabilities");
        for (Capability capability : capabilities) {
            ObjectNode cap = caps.addObject();
            cap.put("name", capability.name());
            cap.put("description", capability.description() == null ? "" : capability.description());
            ArrayNode capTags = cap.putArray("tags");
            capability.tags().forEach(capTags::add);
            if (capability.version() != null) {
                cap.put("version", capability.version());
            }
        }
        ArrayNode cardTags = card.putArray("tags");
        tags.forEach(cardTags::add);
        card.put("visibility", isPublic ? "public" : "private");
        return card;
    }

    /** All tags of the card and its capabilities, lower case, for tag search. */
    public List<String> allTags() {
        List<String> all = new ArrayList<>(tags);
        capabilities.forEach(c -> c.tags().stream().filter(t -> !all.contains(t)).forEach(all::add));
        return all;
    }

    public List<String> capabilityNames() {
        return capabilities.stream().map(Capability::name).toList();
    }

    /** Lower-cased text that free-text discovery searches: name, description, capability names and descriptions. */
    public String searchText() {
        StringBuilder text = new StringBuilder(name).append('\n').append(description);
        for (Capability capability : capabilities) {
            text.append('\n').append(capability.name()).append('\n')
                    .append(capability.description() == null ? "" : capability.description());
        }
        return text.toString().toLowerCase(Locale.ROOT);
    }

    private static ObjectNode object(JsonNode node, String what) throws RelayException {
        if (node == null || !node.isObject()) {
            throw new RelayException(ErrorCode.MALFORMED, what + " must be an object");
        }
        return (ObjectNode) node;
    }

    private static String text(ObjectNode node, String field, int min, int max, boolean required) throws RelayException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new RelayException(ErrorCode.MALFORMED, "card field '" + field + "' is required");
            }
            return null;
        }
        int length = value.isTextual() ? value.asText().codePointCount(0, value.asText().length()) : -1;
        if (length < min || length > max) {
            throw new RelayException(ErrorCode.MALFORMED, "card field '" + field + "' must be a string of " + min + ".." + max + " chars");
        }
        return value.asText();
    }

    private static List<String> tags(JsonNode node, String what) throws RelayException {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray() || node.size() > MAX_TAGS) {
            throw new RelayException(ErrorCode.MALFORMED, what + " must be an array of at most " + MAX_TAGS);
        }
        for (JsonNode tag : node) {
            if (!tag.isTextual() || !TAG.matcher(tag.asText()).matches()) {
                throw new RelayException(ErrorCode.MALFORMED, what + ": each tag is 1..32 chars of a-z 0-9 -");
            }
            if (!out.contains(tag.asText())) {
                out.add(tag.asText());
            }
        }
        return out;
    }
}
