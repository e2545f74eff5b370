package dev.relay.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.RelayStore;
import dev.relay.store.RelayStoreFactory;
import dev.relay.store.StoreSettings;
import dev.relay.store.sqlite.SqliteStoreFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link RelayEngine#open} finds the store the operator named ({@code relay.store}) and hands it its settings. */
class StoreSelectionTest {

    @TempDir Path dir;

    private RelayConfig config(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.put(RelayConfig.REALM, "relay");
        return RelayConfig.fromProperties(all, dir);
    }

    @Test
    void theDefaultStoreIsFoundOnTheClassPath() {
        try (RelayEngine engine = RelayEngine.open(config(Map.of()))) {
            engine.store().recordConnected("alice", 1);
        }
        assertThat(dir.resolve(SqliteStoreFactory.FILE)).isRegularFile();
    }

    @Test
    void anUnknownStoreIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> RelayEngine.open(config(Map.of(RelayConfig.STORE, "mongo"))))
                .isInstanceOfSatisfying(RelayConfigException.class, e -> assertThat(e.key()).isEqualTo("relay.store"))
                .hasMessageContaining("'mongo'")
                .hasMessageContaining("known stores are [sqlite]");
        assertThat(dir.resolve("relay-key.json")).as("refused before anything was created").doesNotExist();
    }

    @Test
    void aSettingTheStoreRefusesIsABadSettingLikeAnyOther() {
        assertThatThrownBy(() -> RelayEngine.open(config(Map.of("relay.store.sqlite.sync", "off"))))
                .isInstanceOfSatisfying(RelayConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("relay.store.sqlite.sync"))
                .hasMessageContaining("'off'")
                .hasMessageContaining("full or normal");
        assertThatThrownBy(() -> RelayEngine.open(config(Map.of("relay.store.sqlite.synk", "full"))))
                .isInstanceOfSatisfying(RelayConfigException.class,
                        e -> assertThat(e.key()).isEqualTo("relay.store.sqlite.synk"))
                .hasMessageContaining("not a setting of the sqlite store");
    }

    @Test
    void anEmbedderMayPassItsOwnFactory() {
        List<StoreSettings> opened = new ArrayList<>();
        RelayStoreFactory own = new RelayStoreFactory() {
            @Override
            public String name() {
                return "own";
            }

            @Override
            public RelayStore open(StoreSettings settings) {
                opened.add(settings);
                return new SqliteStoreFactory().open(StoreSettings.of(settings.dataDir().resolve("own")));
            }
        };
        RelayConfig config = config(Map.of(RelayConfig.STORE, "own", "relay.store.own.anything", "x"));
        try (RelayEngine engine = RelayEngine.open(config, own, Clock.systemUTC())) {
            engine.store().recordConnected("alice", 1);
        }
        assertThat(opened).containsExactly(new StoreSettings(dir, Map.of("relay.store.own.anything", "x")));
        assertThat(dir.resolve("own").resolve(SqliteStoreFactory.FILE)).isRegularFile();
    }
}
