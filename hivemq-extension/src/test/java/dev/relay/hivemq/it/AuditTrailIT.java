package dev.relay.hivemq.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.SystemOp;
import dev.relay.protocol.SystemRequest;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * What the extension writes to the hash-chained audit log, read from relay.db after the broker stopped. The SQLite
 * driver is loaded in a loader of its own: the broker's (and this test's) classpath has none, as in production.
 */
class AuditTrailIT {

    @Test
    void connectsAcceptedMessagesDeliveriesPolicyChangesAndRefusalsAreAudited() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        Envelope hello;
        List<String> audit;
        try (RelayHiveMQ broker = RelayHiveMQ.builder().withoutProbeConnect().start()) {
            try (Clients.PahoV5 a = Clients.pahoV5(broker, alice); Clients.PahoV5 b = Clients.pahoV5(broker, bob)) {
                a.subscribeInbox();
                b.subscribeInbox();
                hello = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("hello").sign(alice);
                assertThat(a.publishToInbox(Clients.keyId(bob), hello.toJson()).accepted()).isTrue();
                assertThat(b.awaitPayload(Duration.ofSeconds(10))).isEqualTo(hello.toJson());

                Envelope closeInbox = SystemRequest.envelope(bob, SystemOp.POLICY_SET, Map.of("mode", "closed"));
                assertThat(b.publish(dev.relay.protocol.Addressing.MQTT_SYSTEM_TOPIC, closeInbox.toJson()).accepted()).isTrue();
                assertThat(b.awaitPayload(Duration.ofSeconds(10))).as("policy answer").isNotNull();

                Envelope refused = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).body("let me in").sign(alice);
                assertThat(a.publishToInbox(Clients.keyId(bob), refused.toJson()).reasonCode()).isEqualTo(0x87);
            }
            Thread.sleep(500); // the delivered record is written off the network thread
            broker.stop(); // the extension closes the store; the folders stay until close()
            audit = auditRows(broker.relayDataFolder().resolve("relay.db"));
        }

        assertThat(audit).contains(
                "session.connected " + Clients.keyId(alice) + " mqtt5",
                "session.connected " + Clients.keyId(bob) + " mqtt5",
                "identity.first_seen " + Clients.keyId(alice) + " ",
                "message.sent " + Clients.keyId(alice) + " " + Clients.keyId(bob),
                "message.delivered " + Clients.keyId(alice) + " ",
                "policy.set " + Clients.keyId(bob) + " " + Clients.keyId(bob),
                "publish.refused " + Clients.keyId(alice) + " ");
        assertThat(audit).as("bodies are never audited").noneMatch(row -> row.contains("hello"));
    }

    /** "type actor subject" per audit row, in order. */
    private static List<String> auditRows(Path database) throws Exception {
        URL jar = Path.of(System.getProperty("relay.it.sqlite-jdbc.jar")).toUri().toURL();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar}, ClassLoader.getPlatformClassLoader())) {
            Driver driver = (Driver) loader.loadClass("org.sqlite.JDBC").getDeclaredConstructor().newInstance();
            try (Connection connection = driver.connect("jdbc:sqlite:" + database, new Properties());
                 Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT type, actor, subject, detail FROM audit ORDER BY seq")) {
                List<String> out = new ArrayList<>();
                while (rows.next()) {
                    out.add(rows.getString(1) + " " + rows.getString(2) + " " + rows.getString(3));
                    assertThat(rows.getString(4)).doesNotContain("hello");
                }
                return out;
            }
        }
    }
}
