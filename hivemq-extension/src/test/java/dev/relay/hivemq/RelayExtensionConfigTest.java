package dev.relay.hivemq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.core.RelayConfig;
import dev.relay.core.RelayConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayExtensionConfigTest {
    @TempDir
    Path home;
    @TempDir
    Path hivemqData;

    private void write(String properties) throws Exception {
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve(RelayExtensionConfig.FILE), properties);
    }

    @Test
    void readsThePropertiesAndPutsDataUnderHiveMQsDataFolder() throws Exception {
        write("relay.realm = home-lab\nrelay.rate.sends-per-minute=120\n");
        RelayConfig config = RelayExtensionConfig.load(home, hivemqData);
        assertThat(config.realm()).isEqualTo("home-lab");
        assertThat(config.sendsPerMinute()).isEqualTo(120);
        assertThat(config.dataDir()).isEqualTo(hivemqData.resolve("relay"));
    }

    @Test
    void theStoreCommitsLikeHiveMQsOwnStoreUnlessToldToWaitForTheDisk() throws Exception {
        write("relay.realm=home-lab\n");
        assertThat(RelayExtensionConfig.load(home, hivemqData).storeProperties())
                .isEqualTo(Map.of("relay.store.sqlite.sync", "normal"));
        write("relay.realm=home-lab\nrelay.store.sqlite.sync=full\n");
        assertThat(RelayExtensionConfig.load(home, hivemqData).storeProperties())
                .isEqualTo(Map.of("relay.store.sqlite.sync", "full"));
        write("relay.realm=home-lab\nrelay.store.sync=full\n");
        assertThat(RelayExtensionConfig.load(home, hivemqData).storeProperties())
                .as("the older name is left to the store").isEqualTo(Map.of("relay.store.sync", "full"));
    }

    @Test
    void anotherStoreGetsNoSQLiteDefault() throws Exception {
        write("relay.realm=home-lab\nrelay.store=postgres\n");
        assertThat(RelayExtensionConfig.load(home, hivemqData).storeProperties()).isEmpty();
    }

    @Test
    void aRelativeDataFolderIsTakenFromTheExtensionFolder() throws Exception {
        write("relay.realm=home-lab\nrelay.data-dir=store\n");
        assertThat(RelayExtensionConfig.load(home, hivemqData).dataDir()).isEqualTo(home.resolve("store"));
    }

    @Test
    void missingFileNamesWhatToCreate() {
        assertThatThrownBy(() -> RelayExtensionConfig.load(home, hivemqData))
                .isInstanceOf(RelayConfigException.class).hasMessageContaining("conf/relay.properties")
                .hasMessageContaining("relay.realm");
    }

    @Test
    void badValuesNameTheKey() throws Exception {
        write("relay.realm=home-lab\nrelay.policy.default=strict\n");
        assertThatThrownBy(() -> RelayExtensionConfig.load(home, hivemqData))
                .isInstanceOf(RelayConfigException.class).hasMessageContaining("relay.policy.default")
                .hasMessageContaining("strict");
    }

    @Test
    void aTypoIsRefusedNotIgnored() throws Exception {
        write("relay.realm=home-lab\nrelay.rate.sends-per-minut=5\n");
        assertThatThrownBy(() -> RelayExtensionConfig.load(home, hivemqData))
                .isInstanceOf(RelayConfigException.class).hasMessageContaining("relay.rate.sends-per-minut");
    }
}
