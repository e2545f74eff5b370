package dev.relay.device.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.client.Incoming;
import dev.relay.client.RelayClientException;
import dev.relay.device.MqttVersion;
import dev.relay.device.RelayDevice;
import dev.relay.stack.BrokerKind;
import dev.relay.stack.RelayStack;
import dev.relay.stack.SelfSignedCertificate;
import dev.relay.stack.StackOptions;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Devices over MQTT with TLS ({@code ssl://}), on both brokers, with a certificate made by the JDK's keytool for
 * 127.0.0.1: trusted through {@code trustStore(...)} the exchange works over MQTT 5 and 3.1.1; without trusting it the
 * connect fails with {@code connect_failed} and never reaches the relay.
 */
class TlsDeviceIT {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(BrokerKind.class)
    void devicesTalkOverTlsWhenTheyTrustTheBrokersCertificate(BrokerKind broker) throws Exception {
        Path keyStore = SelfSignedCertificate.createIfMissing(dir.resolve("broker.p12"), "changeit", "127.0.0.1", 2);
        try (RelayStack stack = RelayStack.start(StackOptions.ephemeral(broker, dir.resolve("data"))
                .mqttTls(keyStore, "changeit").build())) {
            String uri = stack.mqttTlsUri().toString();
            assertThat(uri).startsWith("ssl://127.0.0.1:");
            BlockingQueue<Incoming> inbox = new LinkedBlockingQueue<>();
            try (RelayDevice fan = RelayDevice.builder().serverUri(uri).realm(stack.realm())
                    .keyFile(dir.resolve("fan.key")).trustStore(keyStore, "changeit".toCharArray())
                    .onMessage(inbox::add).connect();
                 RelayDevice old = RelayDevice.builder().serverUri(uri).realm(stack.realm())
                         .keyFile(dir.resolve("old.key")).mqttVersion(MqttVersion.V3_1_1)
                         .trustStore(keyStore, "changeit".toCharArray()).connect()) {
                old.message(fan.keyId(), "text/plain", "on".getBytes(UTF_8)).get(20, TimeUnit.SECONDS);
                Incoming received = inbox.poll(20, TimeUnit.SECONDS);
                assertThat(received).isNotNull();
                assertThat(received.text()).isEqualTo("on");
            }

            assertThatThrownBy(() -> RelayDevice.builder().serverUri(uri).realm(stack.realm())
                    .keyFile(dir.resolve("naive.key")).connect())
                    .isInstanceOfSatisfying(RelayClientException.class,
                            e -> assertThat(e.code()).isEqualTo(RelayClientException.CONNECT_FAILED));
        }
    }
}
