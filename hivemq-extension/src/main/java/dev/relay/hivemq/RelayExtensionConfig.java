package dev.relay.hivemq;

import dev.relay.core.RelayConfig;
import dev.relay.core.RelayConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Reads {@code conf/relay.properties} from the extension folder (SPEC settings, see docs/operations.md). The data folder
 * defaults to {@code <HiveMQ data folder>/relay}, so HiveMQ's own backups and volumes cover it.
 */
final class RelayExtensionConfig {
    static final String FILE = "conf/relay.properties";
    // The SQLite store's keys, as written in relay.properties (the store module is only on the runtime classpath).
    static final String SQLITE_SYNC = "relay.store.sqlite.sync";
    static final String SQLITE_SYNC_ALIAS = "relay.store.sync";

    private RelayExtensionConfig() {
    }

    static RelayConfig load(Path extensionHome, Path hivemqDataFolder) {
        Path file = extensionHome.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new RelayConfigException(RelayConfig.REALM, null, "no " + FILE + " in " + extensionHome
                    + "; create it with at least relay.realm=<name of this relay>");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new RelayConfigException(RelayConfig.REALM, null, "cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name).trim()));
        // HiveMQ CE does not sync its own message store on every write either (Xodus durable writes off, a sync about
        // once a second): the relay's records are kept as durable as the messages they describe (safe against a broker
        // crash; a power cut may lose the last ones) instead of making every publish wait for the disk.
        // relay.store.sqlite.sync=full (or its older name relay.store.sync) waits for it.
        String store = values.getOrDefault(RelayConfig.STORE, RelayConfig.DEFAULT_STORE);
        if (RelayConfig.DEFAULT_STORE.equalsIgnoreCase(store) && !values.containsKey(SQLITE_SYNC_ALIAS)) {
            values.putIfAbsent(SQLITE_SYNC, "normal");
        }
        RelayConfig config = RelayConfig.fromProperties(values, hivemqDataFolder.resolve("relay"));
        if (!config.dataDir().isAbsolute()) {
            // A relative data folder is taken from the extension folder, not from wherever HiveMQ was started.
            config = config.withDataDir(extensionHome.resolve(config.dataDir()));
        }
        return config;
    }
}
