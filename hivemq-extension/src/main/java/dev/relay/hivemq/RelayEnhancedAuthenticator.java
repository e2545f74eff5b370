package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.EnhancedAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthConnectInput;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthOutput;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.packets.general.DisconnectedReasonCode;
import com.hivemq.extension.sdk.api.packets.general.MqttVersion;
import com.hivemq.extension.sdk.api.parameter.ClientBasedInput;
import dev.relay.core.ConnectFacts;
import dev.relay.core.RelayEngine;
import dev.relay.protocol.Addressing;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticator for every MQTT version (SPEC §2): the connect token as username/password (Paho v3/v5, any 3.1.1
 * device), or the MQTT 5 enhanced-auth challenge {@value #AUTH_METHOD}. One instance per connection, so it can hold
 * the challenge it issued. Token checks run on the extension executor, off HiveMQ's network threads.
 */
final class RelayEnhancedAuthenticator implements EnhancedAuthenticator {
    static final String AUTH_METHOD = "relay-ed25519-v1";
    private static final Logger LOG = LoggerFactory.getLogger(RelayEnhancedAuthenticator.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final RelayEngine engine;
    private final ClientIdentities identities;
    private final ExecutorService executor;
    private final RelayMetrics metrics;
    private byte[] issuedNonce;
    private String challengedKeyId;
    private boolean persistentSession;

    RelayEnhancedAuthenticator(RelayEngine engine, ClientIdentities identities, ExecutorService executor,
                               RelayMetrics metrics) {
        this.engine = engine;
        this.identities = identities;
        this.executor = executor;
        this.metrics = metrics;
    }

    @Override
    public void onConnect(EnhancedAuthConnectInput input, EnhancedAuthOutput output) {
        ConnectPacket connect = input.getConnectPacket();
        String clientId = connect.getClientId();
        // HiveMQ gives MQTT 3.1.1 clients with clean session 0 the maximum expiry, with clean session 1 zero.
        persistentSession = connect.getSessionExpiryInterval() > 0;
        try {
            engine.admitWill(connect.getWillPublish().map(will -> Addressing.parseMqttTopic(will.getTopic())).orElse(null));
        } catch (RelayException refused) {
            fail(output, clientId, refused);
            return;
        }
        Optional<String> method = connect.getAuthenticationMethod();
        if (method.isPresent()) {
            if (!AUTH_METHOD.equals(method.get())) {
                output.failAuthentication(DisconnectedReasonCode.BAD_AUTHENTICATION_METHOD,
                        "bad_credentials: authentication method must be " + AUTH_METHOD);
                return;
            }
            challengedKeyId = connect.getAuthenticationData().map(RelayEnhancedAuthenticator::utf8)
                    .filter(s -> !s.isEmpty()).or(connect::getUserName).orElse("");
            issuedNonce = engine.newChallenge();
            output.continueAuthentication(issuedNonce);
            return;
        }
        String username = connect.getUserName().orElse("");
        String password = connect.getPassword().map(RelayEnhancedAuthenticator::utf8).orElse("");
        ConnectFacts facts = facts(connect.getMqttVersion(), clientId);
        decide(input, output, clientId, () -> engine.authenticate(username, password, facts));
    }

    @Override
    public void onAuth(EnhancedAuthInput input, EnhancedAuthOutput output) {
        String clientId = input.getClientInformation().getClientId();
        if (issuedNonce == null || input.isReAuthentication()) {
            output.failAuthentication(DisconnectedReasonCode.NOT_AUTHORIZED,
                    "bad_credentials: no challenge outstanding; re-authentication is not supported");
            return;
        }
        byte[] nonce = issuedNonce;
        issuedNonce = null; // one answer per challenge
        String token = input.getAuthPacket().getAuthenticationData().map(RelayEnhancedAuthenticator::utf8).orElse("");
        ConnectFacts facts = facts(input.getConnectionInformation().getMqttVersion(), clientId);
        decide(input, output, clientId, () -> engine.authenticateChallenge(challengedKeyId, nonce, token, facts));
    }

    private interface Check {
        KeyId run() throws RelayException;
    }

    private void decide(ClientBasedInput connection, EnhancedAuthOutput output, String clientId, Check check) {
        Async<EnhancedAuthOutput> async = output.async(TIMEOUT, TimeoutFallback.FAILURE,
                DisconnectedReasonCode.SERVER_BUSY, "internal: authentication timed out");
        executor.submit(() -> {
            try {
                KeyId identity = check.run();
                identities.authenticated(connection, identity, persistentSession);
                // Publishes are decided by the relay's publish interceptor, subscriptions by its authorizer.
                output.getDefaultPermissions().setDefaultBehaviour(DefaultAuthorizationBehaviour.ALLOW);
                metrics.connectsAccepted.inc();
                output.authenticateSuccessfully();
            } catch (RelayException e) {
                fail(output, clientId, e);
            } catch (RuntimeException e) {
                LOG.error("Relay authentication of client {} failed unexpectedly", clientId, e);
                fail(output, clientId, new RelayException(ErrorCode.INTERNAL, "relay internal error"));
            } finally {
                async.resume();
            }
        });
    }

    private void fail(EnhancedAuthOutput output, String clientId, RelayException e) {
        metrics.connectRefused(e.code());
        LOG.debug("Refused connect of client {}: {}", clientId, e.reasonString());
        output.failAuthentication(reasonCode(e.code()), e.reasonString());
    }

    /** SPEC §10.4; HiveMQ maps these to the MQTT 3.1.1 return codes of SPEC §10.3. */
    static DisconnectedReasonCode reasonCode(ErrorCode code) {
        return switch (code.mqtt5ConnackReason()) {
            case 0x85 -> DisconnectedReasonCode.CLIENT_IDENTIFIER_NOT_VALID;
            case 0x86 -> DisconnectedReasonCode.BAD_USER_NAME_OR_PASSWORD;
            case 0x80 -> DisconnectedReasonCode.UNSPECIFIED_ERROR;
            default -> DisconnectedReasonCode.NOT_AUTHORIZED;
        };
    }

    private static ConnectFacts facts(MqttVersion version, String clientId) {
        return new ConnectFacts(version == MqttVersion.V_5 ? ConnectFacts.Transport.MQTT5 : ConnectFacts.Transport.MQTT3,
                clientId, null);
    }

    private static String utf8(ByteBuffer buffer) {
        return new String(RelayPublishInboundInterceptor.bytes(buffer), StandardCharsets.UTF_8);
    }
}
