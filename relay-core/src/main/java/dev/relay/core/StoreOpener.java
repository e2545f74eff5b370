package dev.relay.core;

import dev.relay.store.RelayStore;
import dev.relay.store.RelayStoreFactory;
import dev.relay.store.StoreSettingsException;
import java.util.Map;

/** Finds the store the operator chose ({@value RelayConfig#STORE}) and opens it, reporting bad settings as such. */
final class StoreOpener {

    private StoreOpener() {
    }

    /** The factory named by the configuration, among the stores on the class path. */
    static RelayStoreFactory factoryFor(RelayConfig config) {
        Map<String, RelayStoreFactory> available = RelayStoreFactory.available();
        RelayStoreFactory factory = available.get(config.store());
        if (factory != null) {
            return factory;
        }
        throw new RelayConfigException(RelayConfig.STORE, config.store(), available.isEmpty()
                ? "no store implementation on the class path (add relay-store-" + RelayConfig.DEFAULT_STORE + ")"
                : "unknown store; known stores are " + available.keySet());
    }

    /** Opens the store; a setting it refuses becomes a {@link RelayConfigException} like any other bad setting. */
    static RelayStore open(RelayStoreFactory factory, RelayConfig config) {
        try {
            return factory.open(config.storeSettings());
        } catch (StoreSettingsException e) {
            throw new RelayConfigException(e.key(), e.value(), e.problem());
        }
    }
}
