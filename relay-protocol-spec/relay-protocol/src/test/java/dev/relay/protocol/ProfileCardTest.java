package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProfileCardTest {

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ObjectNode fullCard() {
        return (ObjectNode) json("{'name':'Kitchen Fan','description':'Turns the fan On and off',"
                + "'capabilities':[{'name':'Fan Control','description':'Speed 0-3','tags':['fan','iot'],'version':'1.2'},"
                + "{'name':'Telemetry','tags':['sensor']}],'tags':['iot','home-automation'],'visibility':'public'}");
    }

    private static ProfileCard parse(JsonNode node) throws RelayException {
        return ProfileCard.parse(node);
    }

    static Stream<Arguments> validCards() {
        return Stream.of(
                Arguments.of("full card", fullCard()),
                Arguments.of("name only", json("{'name':'x'}")),
                Arguments.of("private", json("{'name':'x','visibility':'private'}")),
                Arguments.of("capability without description or version", json("{'name':'x','capabilities':[{'name':'c'}]}")),
                Arguments.of("capability with empty description", json("{'name':'x','capabilities':[{'name':'c','description':''}]}")),
                Arguments.of("limits", json("{'name':'" + "n".repeat(64) + "','description':'" + "d".repeat(1024)
                        + "','tags':" + tagArray(16) + ",'capabilities':[{'name':'" + "c".repeat(64) + "','description':'"
                        + "e".repeat(512) + "','version':'" + "v".repeat(32) + "','tags':" + tagArray(16) + "}]}")),
                Arguments.of("32 capabilities", json("{'name':'x','capabilities':" + capabilityArray(32) + "}")),
                Arguments.of("nulls for optional fields", json("{'name':'x','description':null,'tags':null,'visibility':null}")));
    }

    private static String tagArray(int count) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            out.append(i == 0 ? "" : ",").append("'tag-").append(i).append("'");
        }
        return out.append(']').toString();
    }

    private static String capabilityArray(int count) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            out.append(i == 0 ? "" : ",").append("{'name':'cap").append(i).append("'}");
        }
        return out.append(']').toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validCards")
    void toJsonThenParseIsEqual(String name, JsonNode node) throws RelayException {
        ProfileCard card = parse(node);
        ProfileCard again = parse(card.toJson());
        assertThat(again).isEqualTo(card);
        assertThat(again.toJson()).isEqualTo(card.toJson());
        assertThat(parse(json(Json.MAPPER.valueToTree(card.toJson()).toString()))).isEqualTo(card);
    }

    @Test
    void parsesEveryField() throws RelayException {
        ProfileCard card = parse(fullCard());
        assertThat(card.name()).isEqualTo("Kitchen Fan");
        assertThat(card.description()).isEqualTo("Turns the fan On and off");
        assertThat(card.tags()).containsExactly("iot", "home-automation");
        assertThat(card.isPublic()).isTrue();
        assertThat(card.capabilities()).hasSize(2);
        assertThat(card.capabilities().get(0)).isEqualTo(new ProfileCard.Capability("Fan Control", "Speed 0-3",
                List.of("fan", "iot"), "1.2"));
        assertThat(card.capabilities().get(1).name()).isEqualTo("Telemetry");
        assertThat(card.capabilities().get(1).version()).isNull();
        assertThat(card.capabilityNames()).containsExactly("Fan Control", "Telemetry");
    }

    @Test
    void visibilityDefaultsToPublic() throws RelayException {
        assertThat(parse(json("{'name':'x'}")).isPublic()).isTrue();
        assertThat(parse(json("{'name':'x','visibility':'public'}")).isPublic()).isTrue();
        assertThat(parse(json("{'name':'x','visibility':'private'}")).isPublic()).isFalse();
        assertThat(parse(json("{'name':'x','visibility':'private'}")).toJson().get("visibility").asText()).isEqualTo("private");
        assertThat(parse(json("{'name':'x'}")).toJson().get("visibility").asText()).isEqualTo("public");
    }

    @Test
    void missingDescriptionsBecomeEmpty() throws RelayException {
        ProfileCard card = parse(json("{'name':'x','capabilities':[{'name':'c'}]}"));
        assertThat(card.description()).isEmpty();
        assertThat(card.capabilities().get(0).description()).isEmpty();
        assertThat(card.tags()).isEmpty();
    }

    @Test
    void duplicateTagsAreDroppedKeepingOrder() throws RelayException {
        assertThat(parse(json("{'name':'x','tags':['b','a','b']}")).tags()).containsExactly("b", "a");
    }

    @Test
    void searchTextIsLowerCasedNameDescriptionAndCapabilities() throws RelayException {
        assertThat(parse(fullCard()).searchText())
                .isEqualTo("kitchen fan\nturns the fan on and off\nfan control\nspeed 0-3\ntelemetry\n");
    }

    @Test
    void allTagsCombinesCardAndCapabilityTagsOnce() throws RelayException {
        assertThat(parse(fullCard()).allTags()).containsExactly("iot", "home-automation", "fan", "sensor");
        assertThat(parse(json("{'name':'x'}")).allTags()).isEmpty();
    }

    static Stream<Arguments> invalidCards() {
        return Stream.of(
                Arguments.of("not an object", json("[]")),
                Arguments.of("a string", json("'card'")),
                Arguments.of("null node", null),
                Arguments.of("unknown card field", with(c -> c.put("owner", "me"))),
                Arguments.of("unknown capability field", with(c -> ((ObjectNode) c.get("capabilities").get(0)).put("price", 1))),
                Arguments.of("name missing", with(c -> c.remove("name"))),
                Arguments.of("name empty", with(c -> c.put("name", ""))),
                Arguments.of("name 65 chars", with(c -> c.put("name", "n".repeat(65)))),
                Arguments.of("name not a string", with(c -> c.put("name", 5))),
                Arguments.of("description 1025 chars", with(c -> c.put("description", "d".repeat(1025)))),
                Arguments.of("description an object", with(c -> c.putObject("description"))),
                Arguments.of("visibility unknown", with(c -> c.put("visibility", "secret"))),
                Arguments.of("visibility upper case", with(c -> c.put("visibility", "PUBLIC"))),
                Arguments.of("visibility boolean", with(c -> c.put("visibility", true))),
                Arguments.of("tags not an array", with(c -> c.put("tags", "iot"))),
                Arguments.of("tag upper case", with(c -> tags(c).add("IoT"))),
                Arguments.of("tag with space", with(c -> tags(c).add("smart home"))),
                Arguments.of("tag with underscore", with(c -> tags(c).add("smart_home"))),
                Arguments.of("tag empty", with(c -> tags(c).add(""))),
                Arguments.of("tag 33 chars", with(c -> tags(c).add("t".repeat(33)))),
                Arguments.of("tag non-ASCII", with(c -> tags(c).add("café"))),
                Arguments.of("tag a number", with(c -> tags(c).add(7))),
                Arguments.of("17 tags", with(c -> c.set("tags", json(tagArray(17))))),
                Arguments.of("capabilities not an array", with(c -> c.put("capabilities", "x"))),
                Arguments.of("capability not an object", with(c -> ((ArrayNode) c.get("capabilities")).add("x"))),
                Arguments.of("33 capabilities", with(c -> c.set("capabilities", json(capabilityArray(33))))),
                Arguments.of("capability name missing", with(c -> ((ObjectNode) c.get("capabilities").get(0)).remove("name"))),
                Arguments.of("capability name 65 chars", with(c -> ((ObjectNode) c.get("capabilities").get(0)).put("name", "c".repeat(65)))),
                Arguments.of("capability description 513 chars",
                        with(c -> ((ObjectNode) c.get("capabilities").get(0)).put("description", "d".repeat(513)))),
                Arguments.of("capability version 33 chars",
                        with(c -> ((ObjectNode) c.get("capabilities").get(0)).put("version", "v".repeat(33)))),
                Arguments.of("capability version empty", with(c -> ((ObjectNode) c.get("capabilities").get(0)).put("version", ""))),
                Arguments.of("capability bad tag", with(c -> ((ArrayNode) c.get("capabilities").get(0).get("tags")).add("Bad"))),
                Arguments.of("capability 17 tags", with(c -> ((ObjectNode) c.get("capabilities").get(0)).set("tags", json(tagArray(17))))));
    }

    private static ArrayNode tags(ObjectNode card) {
        return (ArrayNode) card.get("tags");
    }

    private static JsonNode with(Consumer<ObjectNode> change) {
        ObjectNode card = fullCard();
        change.accept(card);
        return card;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCards")
    void rejects(String name, JsonNode node) {
        assertThatThrownBy(() -> parse(node))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }
}
