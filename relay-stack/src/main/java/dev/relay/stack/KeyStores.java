package dev.relay.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

final class KeyStores {
    private KeyStores() {
    }

    /** Opens the key store once so that a wrong path or password fails the start with a clear line; returns its type. */
    static String requireReadable(Path keyStore, String password) throws IOException {
        try {
            return KeyStore.getInstance(keyStore.toFile(), password == null ? null : password.toCharArray()).getType();
        } catch (GeneralSecurityException | IOException e) {
            throw new IOException("cannot open the TLS key store " + keyStore + " (" + e.getMessage() + ")", e);
        }
    }
}
