package dev.relay.hivemq;

import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import dev.relay.core.RelayConfig;
import dev.relay.core.RelayConfigException;
import dev.relay.core.RelayEngine;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires Relay into HiveMQ: configuration, the engine, and one SDK role per class. Holds no relay logic itself. */
public final class RelayExtensionMain implements ExtensionMain {
    private static final int DECISION_THREADS = 32;
    private static final Logger LOG = LoggerFactory.getLogger(RelayExtensionMain.class);
    private static final long HOUSEKEEPING_SECONDS = 30;

    private RelayEngine engine;
    private RelayMetrics metrics;
    private ExecutorService decisions;

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
        RelayConfig config;
        try {
            config = RelayExtensionConfig.load(input.getExtensionInformation().getExtensionHomeFolder().toPath(),
                    input.getServerInformation().getDataFolder().toPath());
            engine = RelayEngine.open(config);
        } catch (RelayConfigException | IllegalStateException | dev.relay.store.StoreException e) {
            LOG.error("Relay extension not started: {}", e.getMessage());
            output.preventExtensionStartup("Relay: " + e.getMessage());
            return;
        }
        // Decisions run on threads of our own: a decision may wait for a subscription lookup whose future HiveMQ
        // completes on its extension executor, so waiting on that executor's own threads starved it (lookups timed
        // out and messages for connected recipients were parked). More threads than cores: a decision spends most of
        // its time waiting for the store's group commit, and every waiting decision joins the next commit.
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(DECISION_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "relay-decision-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        decisions = executor;
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
        Services.extensionExecutorService().scheduleWithFixedDelay(this::housekeeping, HOUSEKEEPING_SECONDS,
                HOUSEKEEPING_SECONDS, TimeUnit.SECONDS);
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
        if (decisions != null) {
            decisions.shutdown(); // let decisions in progress finish before the store closes
            try {
                if (!decisions.awaitTermination(5, TimeUnit.SECONDS)) {
                    decisions.shutdownNow();
                }
            } catch (InterruptedException e) {
                decisions.shutdownNow();
                Thread.currentThread().interrupt();
            }
            decisions = null;
        }
        if (engine != null) {
            engine.close();
            engine = null;
        }
        LOG.info("Relay extension stopped");
    }
}
