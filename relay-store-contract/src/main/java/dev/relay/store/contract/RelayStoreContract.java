package dev.relay.store.contract;

import dev.relay.store.RelayStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every promise of the {@link RelayStore} SPI as JUnit 5 tests. A store implementation runs them all by extending this
 * class with {@link #openStore}; its own tests (files, SQL, pools) stay beside it. Each test gets an empty store.
 *
 * <pre>
 * class PostgresStoreContractTest extends RelayStoreContract {
 *     protected RelayStore openStore(Path dataDir) { ... }
 * }
 * </pre>
 */
public abstract class RelayStoreContract implements NonceContract, PresenceContract, PolicyContract,
        DirectoryContract, MessageContract, AcceptContract, ParkingContract, AuditContract, ConcurrencyContract,
        DurabilityContract {

    @TempDir
    protected Path dataDir;
    private RelayStore store;

    /**
     * Opens the store under test for a relay whose data folder is {@code dataDir}: empty on the first call for a folder
     * (a store that keeps its data elsewhere, such as a database server, must give each folder its own empty data) and
     * the same data when called again with that folder.
     */
    protected abstract RelayStore openStore(Path dataDir);

    @BeforeEach
    final void openEmptyStore() {
        store = openStore(dataDir);
    }

    @AfterEach
    final void closeStore() {
        store.close();
    }

    @Override
    public final RelayStore store() {
        return store;
    }

    @Override
    public final RelayStore reopen() {
        store.close();
        store = openStore(dataDir);
        return store;
    }
}
