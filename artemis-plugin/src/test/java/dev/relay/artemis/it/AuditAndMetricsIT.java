package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.store.AuditRecord;
import dev.relay.store.RelayStore;
import dev.relay.store.RelayStoreFactory;
import dev.relay.store.StoreSettings;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.activemq.artemis.core.config.MetricsConfiguration;
import org.apache.activemq.artemis.core.server.metrics.plugins.SimpleMetricsPlugin;
import org.junit.jupiter.api.Test;

/** What an operator sees: Relay's counters in the broker's Micrometer registry, and the audit trail in relay.db. */
class AuditAndMetricsIT {

    @Test
    void connectsSendsDeliveriesAndRefusalsAreCountedAndAuditedWithoutBodies() throws Exception {
        RelayKeyPair alice = RelayKeyPair.generate();
        RelayKeyPair bob = RelayKeyPair.generate();
        String secret = "the body stays out of the audit log";
        RelayArtemis broker = RelayArtemis.start(Map.of(), config -> config.setMetricsConfiguration(
                new MetricsConfiguration().setPlugin(new SimpleMetricsPlugin().init(Map.of()))));
        try {
            try (ArtemisClient a = new ArtemisBinding(broker, ArtemisBinding.Protocol.AMQP).connect(alice);
                 ArtemisClient b = new ArtemisBinding(broker, ArtemisBinding.Protocol.MQTT5).connect(bob)) {
                b.subscribeOwnInbox();
                Envelope message = Envelope.builder(Kind.MESSAGE).to(bob.keyId()).contentType("text/plain")
                        .body(secret).sign(alice);
                assertThat(a.publishToInbox(bob.keyId().toString(), message.toJson()).refused()).isFalse();
                assertThat(b.receive(Duration.ofSeconds(10))).isEqualTo(message.toJson());
                assertThat(a.publishToInbox(bob.keyId().toString(), "garbage".getBytes()).refused()).isTrue();
            }
            MeterRegistry meters = broker.server().getMetricsManager().getMeterRegistry();
            assertThat(meters.get("relay.publish.accepted").functionCounter().count()).isEqualTo(1);
            assertThat(meters.get("relay.publish.refused").tag("code", "malformed").functionCounter().count())
                    .isEqualTo(1);
            assertThat(meters.get("relay.connect.accepted").functionCounter().count()).isEqualTo(2);
            assertThat(meters.get("relay.message.delivered").functionCounter().count()).isEqualTo(1);
        } finally {
            broker.close();
        }
        // through the service entry, as the plugin finds its store
        RelayStoreFactory sqlite = RelayStoreFactory.available().get("sqlite");
        try (RelayStore store = sqlite.open(StoreSettings.of(broker.relayDataDir()))) {
            List<AuditRecord> audit = store.audit(0, 1000);
            assertThat(audit.stream().map(AuditRecord::type).collect(Collectors.toSet()))
                    .contains("session.connected", "identity.first_seen", "message.sent", "message.delivered",
                            "publish.refused");
            assertThat(audit).filteredOn(r -> r.type().equals("session.connected"))
                    .extracting(AuditRecord::subject).contains("amqp", "mqtt5");
            assertThat(audit).allSatisfy(r -> assertThat(r.detail() + r.subject()).doesNotContain("body stays"));
            assertThat(store.verifyAuditChain().intact()).isTrue();
        }
    }
}
