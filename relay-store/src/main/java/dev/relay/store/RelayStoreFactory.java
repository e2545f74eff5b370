package dev.relay.store;

import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens one kind of {@link RelayStore}; the operator picks it by {@link #name()} ({@code relay.store}). Implementations
 * are registered in {@code META-INF/services/dev.relay.store.RelayStoreFactory} and need a public no-argument
 * constructor.
 */
public interface RelayStoreFactory {

    /** The value of {@code relay.store} that selects this store, e.g. {@code sqlite}. */
    String name();

    /**
     * Opens (creating on first use) the store of a relay.
     *
     * @throws StoreSettingsException for a setting the operator must fix (unknown key, bad value)
     * @throws StoreException         when the store cannot be opened
     */
    RelayStore open(StoreSettings settings);

    /**
     * The stores on the class path, by name. Looked up through this interface's own class loader, not the thread's
     * context loader: inside HiveMQ's isolated extension class loader only that one sees the extension's jars.
     */
    static Map<String, RelayStoreFactory> available() {
        Map<String, RelayStoreFactory> byName = new TreeMap<>();
        for (RelayStoreFactory factory : ServiceLoader.load(RelayStoreFactory.class,
                RelayStoreFactory.class.getClassLoader())) {
            RelayStoreFactory earlier = byName.putIfAbsent(factory.name(), factory);
            if (earlier != null && earlier.getClass() != factory.getClass()) {
                throw new StoreException("two stores are named '" + factory.name() + "': " + earlier.getClass().getName()
                        + " and " + factory.getClass().getName());
            }
        }
        return byName;
    }
}
