package dev.relay.store;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a {@link RelayStoreFactory} opens a store with: the relay's data folder and the operator's {@code relay.store.*}
 * settings (full keys, e.g. {@code relay.store.sqlite.sync}; {@code relay.store} itself, the store's name, is not
 * among them). Each store reads its own keys and refuses the others, so a typo or a setting of another store fails the
 * start instead of being ignored.
 */
public record StoreSettings(Path dataDir, Map<String, String> properties) {
    public static final String PREFIX = "relay.store.";

    public StoreSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        properties.keySet().forEach(key -> {
            if (!key.startsWith(PREFIX)) {
                throw new IllegalArgumentException("not a store setting: " + key);
            }
        });
        properties = Map.copyOf(properties);
    }

    /** Settings with no {@code relay.store.*} property: every store's defaults. */
    public static StoreSettings of(Path dataDir) {
        return new StoreSettings(dataDir, Map.of());
    }

    public StoreSettings with(String key, String value) {
        Map<String, String> copy = new TreeMap<>(properties);
        copy.put(key, value);
        return new StoreSettings(dataDir, copy);
    }

    /** The trimmed value of a setting, empty if not set. */
    public Optional<String> value(String key) {
        return Optional.ofNullable(properties.get(key)).map(String::trim);
    }

    /**
     * Refuses any setting not in {@code known}, naming the first (in key order) and what this store knows.
     *
     * @throws StoreSettingsException for an unknown setting
     */
    public void requireOnly(String store, Set<String> known) {
        new TreeMap<>(properties).forEach((key, value) -> {
            if (!known.contains(key)) {
                throw new StoreSettingsException(key, value, "not a setting of the " + store + " store; it reads "
                        + new TreeSet<>(known));
            }
        });
    }
}
