package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A bad setting stops the extension from starting (preventExtensionStartup) with a line that names the key. */
class BadConfigurationIT {

    private static List<String> startLog(RelayHiveMQ.Builder builder) throws InterruptedException {
        try (RelayHiveMQ broker = builder.withoutAwaitingExtension().withoutProbeConnect().start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline
                    && broker.logLines().stream().noneMatch(line -> line.contains("was prevented"))) {
                Thread.sleep(100);
            }
            return broker.logLines();
        }
    }

    @Test
    void aMissingRealmPreventsStartupAndSaysWhatToSet() throws Exception {
        List<String> log = startLog(RelayHiveMQ.builder().withoutDefaultRealm());
        assertThat(log).anyMatch(line -> line.contains("Startup of extension with id \"relay\" was prevented"));
        assertThat(log).anyMatch(line -> line.contains("relay.realm") && line.contains("required"));
        assertThat(log).noneMatch(line -> line.contains("Relay extension started"));
    }

    @Test
    void aBadValuePreventsStartupAndNamesTheKey() throws Exception {
        List<String> log = startLog(RelayHiveMQ.builder().property("relay.policy.default", "strict"));
        assertThat(log).anyMatch(line -> line.contains("Startup of extension with id \"relay\" was prevented"));
        assertThat(log).anyMatch(line -> line.contains("relay.policy.default") && line.contains("'strict'"));
    }

    /** The store is looked up inside the extension's own class loader: the zip's SQLite store is the one it knows. */
    @Test
    void anUnknownStorePreventsStartupAndNamesTheStoresInTheZip() throws Exception {
        List<String> log = startLog(RelayHiveMQ.builder().property("relay.store", "mongo"));
        assertThat(log).anyMatch(line -> line.contains("Startup of extension with id \"relay\" was prevented"));
        assertThat(log).anyMatch(line -> line.contains("relay.store") && line.contains("'mongo'")
                && line.contains("known stores are [sqlite]"));
    }
}
