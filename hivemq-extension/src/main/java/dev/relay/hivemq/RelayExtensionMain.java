package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.ManagedExtensionExecutorService;
import com.hivemq.extension.sdk.api.services.Services;
import dev.relay.core.RelayConfig;
import dev.relay.core.RelayConfigException;
import dev.relay.core.RelayEngine;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires Relay into HiveMQ: configuration, the engine, and one SDK role per class. Holds no relay logic itself. */
public final class RelayExtensionMain implements ExtensionMain {
    private static final Logger LOG = LoggerFactory.getLogger(RelayExtensionMain.class);
    private static final long HOUSEKEEPING_SECONDS = 30;

    private RelayEngine engine;
    private RelayMetrics metrics;

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        RelayConfig config;
        try {
            config = RelayExtensionConfig.load(input.getExtensionInformation().getExtensionHomeFolder().toPath(),
                    input.getServerInformation().getDataFolder().toPath());
            engine = RelayEngine.open(config);
        } catch (RelayConfigException | IllegalStateException | dev.relay.core.store.StoreException e) {
            LOG.error("Relay extension not started: {}", e.getMessage());
            output.preventExtensionStartup("Relay: " + e.getMessage());
            return;
        }
        ManagedExtensionExecutorService executor = Services.extensionExecutorService();
        metrics = new RelayMetrics(Services.metricRegistry());
        ClientIdentities identities = new ClientIdentities();
        HiveMQBrokerSessions sessions = new HiveMQBrokerSessions(Services.subscriptionStore());
        engine.useBrokerSessions(sessions);
        InboxDelivery delivery = new InboxDelivery(engine, Services.publishService(), Services.subscriptionStore(),
                sessions, metrics, Clock.systemUTC(), executor);

        Services.securityRegistry().setEnhancedAuthenticatorProvider(
                providerInput -> new RelayEnhancedAuthenticator(engine, identities, executor, metrics));
        RelaySubscriptionAuthorizer authorizer =
                new RelaySubscriptionAuthorizer(engine, identities, delivery, executor, metrics);
        Services.securityRegistry().setAuthorizerProvider(providerInput -> authorizer);
        RelayPublishInboundInterceptor inbound =
                new RelayPublishInboundInterceptor(engine, identities, delivery, executor, metrics);
        RelayPublishOutboundInterceptor outbound = new RelayPublishOutboundInterceptor(engine, executor, metrics);
        Services.initializerRegistry().setClientInitializer((initializerInput, clientContext) -> {
            clientContext.addPublishInboundInterceptor(inbound);
            clientContext.addPublishOutboundInterceptor(outbound);
        });
        Services.eventRegistry().setClientLifecycleEventListener(
                providerInput -> new RelayLifecycleListener(engine, identities, executor));
        executor.scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_SECONDS, HOUSEKEEPING_SECONDS, TimeUnit.SECONDS);
        LOG.info("Relay extension started: realm '{}', relay key {}, data in {}", config.realm(), engine.relayKeyId(),
                config.dataDir());
    }

    private void housekeeping() {
        try {
            metrics.expired.inc(engine.housekeeping());
        } catch (RuntimeException e) {
            LOG.error("Relay housekeeping failed; it runs again in {} s", HOUSEKEEPING_SECONDS, e);
        }
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        if (metrics != null) {
            metrics.remove();
        }
        if (engine != null) {
            engine.close();
            engine = null;
        }
        LOG.info("Relay extension stopped");
    }
}
