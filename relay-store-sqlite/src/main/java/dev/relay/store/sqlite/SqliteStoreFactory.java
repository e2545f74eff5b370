package dev.relay.store.sqlite;

import dev.relay.store.RelayStore;
import dev.relay.store.RelayStoreFactory;
import dev.relay.store.StoreSettings;
import dev.relay.store.StoreSettingsException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * {@code relay.store=sqlite} (the default): the store file {@value #FILE} in the data folder. Its one setting,
 * {@value #SYNC}, is how commits reach the disk; {@value #SYNC_ALIAS} is the name it had before stores were pluggable
 * and is still read.
 */
public final class SqliteStoreFactory implements RelayStoreFactory {
    public static final String NAME = "sqlite";
    public static final String FILE = "relay.db";
    /** {@code full} (default: a power cut loses no acknowledged write) or {@code normal} (survives a process crash). */
    public static final String SYNC = "relay.store.sqlite.sync";
    public static final String SYNC_ALIAS = "relay.store.sync";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RelayStore open(StoreSettings settings) {
        return SqliteRelayStore.open(settings.dataDir().resolve(FILE), options(settings));
    }

    /** The options the settings ask for; refuses unknown keys and bad values before anything is opened. */
    static SqliteRelayStore.Options options(StoreSettings settings) {
        settings.requireOnly(NAME, Set.of(SYNC, SYNC_ALIAS));
        Optional<Boolean> normal = synchronousNormal(settings, SYNC);
        Optional<Boolean> alias = synchronousNormal(settings, SYNC_ALIAS);
        if (normal.isPresent() && alias.isPresent() && !normal.equals(alias)) {
            throw new StoreSettingsException(SYNC_ALIAS, settings.value(SYNC_ALIAS).orElseThrow(),
                    "contradicts " + SYNC + "; set only " + SYNC);
        }
        return SqliteRelayStore.Options.defaults().withSynchronousNormal(normal.or(() -> alias).orElse(false));
    }

    private static Optional<Boolean> synchronousNormal(StoreSettings settings, String key) {
        return settings.value(key).map(value -> switch (value.toLowerCase(Locale.ROOT)) {
            case "full" -> false;
            case "normal" -> true;
            default -> throw new StoreSettingsException(key, value, "full or normal");
        });
    }
}
