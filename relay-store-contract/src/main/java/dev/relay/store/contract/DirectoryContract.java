package dev.relay.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.CardQuery;
import dev.relay.store.CardRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The directory: cards, and a search that never returns a private card. */
public interface DirectoryContract extends StoreUnderTest {
    private static CardRecord card(String keyId, boolean isPublic, String text, List<String> tags, List<String> caps) {
        return new CardRecord(keyId, "{\"name\":\"" + keyId + "\"}", "{\"env\":\"" + keyId + "\"}", isPublic, text, tags,
                caps, 100);
    }

    private List<String> search(String tag, String capability, String text) {
        return store().searchPublicCards(new CardQuery(tag, capability, text, null, 50)).stream()
                .map(CardRecord::keyId).toList();
    }

    @Test
    default void saveAndReadBack() {
        CardRecord card = card("alice", true, "Alice the weather bot", List.of("Weather", "bot"), List.of("forecast"));
        store().saveCard(card);
        assertThat(store().card("alice")).contains(card);
        assertThat(store().card("bob")).isEmpty();
    }

    @Test
    default void privateCardIsReadableDirectlyButNeverSearched() {
        store().saveCard(card("alice", false, "secret agent", List.of("spy"), List.of("snoop")));
        assertThat(store().card("alice")).map(CardRecord::isPublic).contains(false);
        assertThat(search(null, null, null)).isEmpty();
        assertThat(search("spy", null, null)).isEmpty();
        assertThat(search(null, "snoop", null)).isEmpty();
        assertThat(search(null, null, "secret")).isEmpty();
    }

    @Test
    default void saveReplacesTheCardAndItsLists() {
        store().saveCard(card("alice", true, "old text", List.of("old"), List.of("oldcap")));
        CardRecord replacement = new CardRecord("alice", "{\"v\":2}", "{\"e\":2}", true, "new text", List.of("new"),
                List.of("newcap"), 200);
        store().saveCard(replacement);

        assertThat(store().card("alice")).contains(replacement);
        assertThat(search("old", null, null)).isEmpty();
        assertThat(search(null, "oldcap", null)).isEmpty();
        assertThat(search(null, null, "old")).isEmpty();
        assertThat(search("new", "newcap", "new")).containsExactly("alice");
    }

    @Test
    default void goingPrivateRemovesFromSearch() {
        store().saveCard(card("alice", true, "x", List.of("t"), List.of()));
        assertThat(search("t", null, null)).containsExactly("alice");
        store().saveCard(card("alice", false, "x", List.of("t"), List.of()));
        assertThat(search("t", null, null)).isEmpty();
    }

    @Test
    default void tagMatchesExactlyIgnoringCase() {
        store().saveCard(card("a", true, "", List.of("Sensor", "iot"), List.of()));
        store().saveCard(card("b", true, "", List.of("sensors"), List.of()));
        assertThat(search("sensor", null, null)).containsExactly("a");
        assertThat(search("SENSOR", null, null)).containsExactly("a");
        assertThat(search("sens", null, null)).isEmpty();
        assertThat(search("IoT", null, null)).containsExactly("a");
    }

    @Test
    default void capabilityMatchesExactlyIgnoringCase() {
        store().saveCard(card("a", true, "", List.of(), List.of("translate", "Summarize")));
        store().saveCard(card("b", true, "", List.of(), List.of("translate-fast")));
        assertThat(search(null, "TRANSLATE", null)).containsExactly("a");
        assertThat(search(null, "summarize", null)).containsExactly("a");
        assertThat(search(null, "trans", null)).isEmpty();
        assertThat(search(null, "translate-fast", null)).containsExactly("b");
    }

    @Test
    default void textIsCaseInsensitiveSubstring() {
        store().saveCard(card("a", true, "Greenhouse Fan Controller", List.of(), List.of()));
        store().saveCard(card("b", true, "kitchen light", List.of(), List.of()));
        assertThat(search(null, null, "fan")).containsExactly("a");
        assertThat(search(null, null, "HOUSE FAN")).containsExactly("a");
        assertThat(search(null, null, "E")).containsExactly("a", "b");
        assertThat(search(null, null, "")).containsExactly("a", "b");
        assertThat(search(null, null, "garage")).isEmpty();
    }

    @Test
    default void textWildcardsAreLiteral() {
        store().saveCard(card("a", true, "100% uptime_guaranteed", List.of(), List.of()));
        store().saveCard(card("b", true, "100 percent uptime", List.of(), List.of()));
        assertThat(search(null, null, "100%")).containsExactly("a");
        assertThat(search(null, null, "_")).containsExactly("a");
        assertThat(search(null, null, "%")).containsExactly("a");
    }

    @Test
    default void allCriteriaMustMatch() {
        store().saveCard(card("a", true, "weather station", List.of("iot"), List.of("measure")));
        store().saveCard(card("b", true, "weather bot", List.of("ai"), List.of("measure")));
        store().saveCard(card("c", true, "garden", List.of("iot"), List.of("measure")));
        assertThat(search("iot", "measure", "weather")).containsExactly("a");
        assertThat(search("iot", "measure", null)).containsExactly("a", "c");
        assertThat(search(null, "measure", "weather")).containsExactly("a", "b");
        assertThat(search("ai", "nothing", null)).isEmpty();
    }

    @Test
    default void pagesInKeyOrder() {
        for (String key : List.of("k5", "k1", "k4", "k2", "k3", "k6")) {
            store().saveCard(card(key, true, "", List.of("t"), List.of()));
        }
        store().saveCard(card("k0", false, "", List.of("t"), List.of()));

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        while (true) {
            List<CardRecord> page = store().searchPublicCards(new CardQuery("t", null, null, cursor, 2));
            pages++;
            if (page.isEmpty()) {
                break;
            }
            assertThat(page).hasSizeLessThanOrEqualTo(2);
            page.forEach(c -> seen.add(c.keyId()));
            cursor = page.get(page.size() - 1).keyId();
        }
        assertThat(seen).containsExactly("k1", "k2", "k3", "k4", "k5", "k6");
        assertThat(pages).as("3 full pages, then an empty one").isEqualTo(4);
    }

    @Test
    default void cursorIsExclusiveAndNeedNotExist() {
        for (String key : List.of("a", "b", "c")) {
            store().saveCard(card(key, true, "", List.of(), List.of()));
        }
        assertThat(store().searchPublicCards(new CardQuery(null, null, null, "b", 10)))
                .extracting(CardRecord::keyId).containsExactly("c");
        assertThat(store().searchPublicCards(new CardQuery(null, null, null, "aa", 10)))
                .extracting(CardRecord::keyId).containsExactly("b", "c");
        assertThat(store().searchPublicCards(new CardQuery(null, null, null, "c", 10))).isEmpty();
        assertThat(store().searchPublicCards(new CardQuery(null, null, null, null, 1)))
                .extracting(CardRecord::keyId).containsExactly("a");
    }

    @Test
    default void searchResultsCarryTheirLists() {
        CardRecord card = card("a", true, "txt", List.of("x", "y"), List.of("c1", "c2"));
        store().saveCard(card);
        assertThat(store().searchPublicCards(new CardQuery("y", null, null, null, 5))).containsExactly(card);
    }

    @Test
    default void limitMustBePositive() {
        assertThatThrownBy(() -> new CardQuery(null, null, null, null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
