package dev.relay.store.sqlite;

import dev.relay.store.RelayStore;
import dev.relay.store.RelayStoreFactory;
import dev.relay.store.StoreSettings;
import dev.relay.store.contract.RelayStoreContract;
import java.nio.file.Path;

/** The SPI contract against the SQLite store, opened as the engine opens it: found by name, default settings. */
class SqliteStoreContractTest extends RelayStoreContract {

    @Override
    protected RelayStore openStore(Path dataDir) {
        return RelayStoreFactory.available().get(SqliteStoreFactory.NAME).open(StoreSettings.of(dataDir));
    }
}
