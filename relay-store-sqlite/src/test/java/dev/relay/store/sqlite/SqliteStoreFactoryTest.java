package dev.relay.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.store.RelayStore;
import dev.relay.store.RelayStoreFactory;
import dev.relay.store.StoreSettings;
import dev.relay.store.StoreSettingsException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** relay.store=sqlite: found through its service entry, one file in the data folder, its one setting. */
class SqliteStoreFactoryTest {

    @TempDir Path dir;

    private static boolean synchronousNormal(StoreSettings settings) {
        return SqliteStoreFactory.options(settings).synchronousNormal();
    }

    @Test
    void isFoundByItsNameAndKeepsRelayDbInTheDataFolder() {
        RelayStoreFactory factory = RelayStoreFactory.available().get("sqlite");
        assertThat(factory).isInstanceOf(SqliteStoreFactory.class);
        try (RelayStore store = factory.open(StoreSettings.of(dir))) {
            store.recordConnected("alice", 1);
        }
        assertThat(dir.resolve("relay.db")).isRegularFile();
    }

    @Test
    void commitsWaitForTheDiskUnlessTheOperatorChoosesNormal() {
        StoreSettings defaults = StoreSettings.of(dir);
        assertThat(synchronousNormal(defaults)).isFalse();
        assertThat(synchronousNormal(defaults.with("relay.store.sqlite.sync", " Normal "))).isTrue();
        assertThat(synchronousNormal(defaults.with("relay.store.sqlite.sync", "full"))).isFalse();
    }

    @Test
    void theOlderNameRelayStoreSyncIsStillRead() {
        StoreSettings alias = StoreSettings.of(dir).with("relay.store.sync", "normal");
        assertThat(synchronousNormal(alias)).isTrue();
        assertThat(synchronousNormal(alias.with("relay.store.sqlite.sync", "normal"))).as("both, agreeing").isTrue();
        assertThatThrownBy(() -> SqliteStoreFactory.options(alias.with("relay.store.sqlite.sync", "full")))
                .isInstanceOfSatisfying(StoreSettingsException.class,
                        e -> assertThat(e.key()).isEqualTo("relay.store.sync"))
                .hasMessageContaining("contradicts relay.store.sqlite.sync");
    }

    @Test
    void badValuesAndUnknownSettingsAreRefusedByName() {
        assertThatThrownBy(() -> SqliteStoreFactory.options(StoreSettings.of(dir).with("relay.store.sqlite.sync", "off")))
                .isInstanceOfSatisfying(StoreSettingsException.class, e -> {
                    assertThat(e.key()).isEqualTo("relay.store.sqlite.sync");
                    assertThat(e.value()).isEqualTo("off");
                })
                .hasMessageContaining("full or normal");
        assertThatThrownBy(() -> new SqliteStoreFactory().open(StoreSettings.of(dir)
                .with("relay.store.postgres.url", "jdbc:postgresql://db/relay")))
                .isInstanceOfSatisfying(StoreSettingsException.class,
                        e -> assertThat(e.key()).isEqualTo("relay.store.postgres.url"))
                .hasMessageContaining("not a setting of the sqlite store");
        assertThat(dir.resolve("relay.db")).as("refused before opening").doesNotExist();
    }
}
