package dev.relay.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The data folder ({@code --data}, {@code $RELAY_DATA}, default {@code ./relay-data}): {@code relay up} keeps the
 * broker's data there and, while it runs, {@value #ENDPOINTS_FILE} with its endpoints and realm, so that the other
 * commands find a running Relay without flags. The default key file lives there too ({@code keys/me.key}).
 */
final class Workspace {
    static final String DEFAULT_DATA = "relay-data";
    static final String ENDPOINTS_FILE = "endpoints.properties";

    private Workspace() {
    }

    static Path dataDir(Path option) {
        if (option != null) {
            return option;
        }
        String env = System.getenv("RELAY_DATA");
        return Path.of(env != null && !env.isBlank() ? env : DEFAULT_DATA);
    }

    static Path keyFile(Path option, Path dataOption) {
        if (option != null) {
            return option;
        }
        String env = System.getenv("RELAY_KEY");
        return env != null && !env.isBlank() ? Path.of(env) : dataDir(dataOption).resolve("keys").resolve("me.key");
    }

    /** The endpoints of a running {@code relay up} on {@code dataDir}, if there is one. */
    static Optional<Properties> runningStack(Path dataDir) {
        Path file = dataDir.resolve(ENDPOINTS_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties endpoints = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            endpoints.load(in);
            return Optional.of(endpoints);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static void writeRunningStack(Path dataDir, Properties endpoints) throws IOException {
        try (OutputStream out = Files.newOutputStream(dataDir.resolve(ENDPOINTS_FILE))) {
            endpoints.store(out, "written by 'relay up' while it runs; removed when it stops");
        }
    }

    static void removeRunningStack(Path dataDir) {
        try {
            Files.deleteIfExists(dataDir.resolve(ENDPOINTS_FILE));
        } catch (IOException e) {
            // best effort: a stale file only changes defaults, and the next 'relay up' rewrites it
        }
    }
}
