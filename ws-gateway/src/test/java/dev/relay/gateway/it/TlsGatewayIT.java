package dev.relay.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relay.gateway.GatewayConfig;
import dev.relay.gateway.RelayGateway;
import dev.relay.protocol.RelayKeyPair;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway with a TLS key store: wss:// and https:// with a certificate made by the JDK's keytool for 127.0.0.1. */
class TlsGatewayIT {
    @Test
    void aKeyStoreTurnsTheListenerIntoWssAndHttps(@TempDir Path folder) throws Exception {
        Path keyStore = folder.resolve("gateway.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "gateway", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        SSLContext trusting = trusting(keyStore);

        try (BrokerUnderTest broker = BrokerUnderTest.hivemq(Map.of());
             RelayGateway gateway = RelayGateway.start(GatewayConfig.builder(broker.realm(), broker.mqttUri())
                     .port(0).tls(keyStore, "changeit", "PKCS12").build())) {
            assertThat(gateway.uri().getScheme()).isEqualTo("wss");
            HttpResponse<String> health = HttpClient.newBuilder().sslContext(trusting).build().send(
                    HttpRequest.newBuilder(gateway.httpUri().resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            RelayKeyPair key = RelayKeyPair.generate();
            try (WsClient client = WsClient.openTls(gateway.uri(), trusting)) {
                JsonNode challenge = client.next("challenge");
                client.send(client.authFrame(key, broker.realm(), challenge.get("nonce").asText(), null));
                assertThat(client.next("welcome").get("key_id").asText()).isEqualTo(key.keyId().toString());
            }
        }
    }

    private static SSLContext trusting(Path keyStore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
