package dev.relay.store.contract;

import dev.relay.store.RelayStore;

/** What every part of the contract tests: the open store, and the same data opened again. */
public interface StoreUnderTest {

    /** The store of the running test, empty when the test starts. */
    RelayStore store();

    /** Closes the store and opens the same data again, as a restarted broker would; returns the new store. */
    RelayStore reopen();
}
