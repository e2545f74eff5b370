package dev.relay.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.relay.store.RelayStore;
import dev.relay.store.contract.RelayStoreContract;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The contract fails a store that breaks a promise: the SQLite store with one method made to lie, run through the
 * JUnit launcher as a store author would run it. The broken contracts run only when this test asks for them: a test
 * filter makes the build's scan include nested classes too.
 */
class ContractCatchesBrokenStoresTest {
    private static final String RUN_BROKEN = "relay.contract.run-broken-stores";

    /** Lets the broken contracts run only from {@link #run}. */
    static final class OnlyWhenAsked implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(RUN_BROKEN).isPresent()
                    ? ConditionEvaluationResult.enabled("run by ContractCatchesBrokenStoresTest")
                    : ConditionEvaluationResult.disabled("broken on purpose: run by ContractCatchesBrokenStoresTest");
        }
    }

    /** The SQLite store, except that {@code method} answers {@code answer} without asking it. */
    static RelayStore lying(RelayStore real, String method, Object answer) {
        return (RelayStore) Proxy.newProxyInstance(RelayStore.class.getClassLoader(), new Class<?>[] {RelayStore.class},
                (proxy, called, args) -> {
                    if (called.getName().equals(method)) {
                        return answer;
                    }
                    try {
                        return called.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Reports every nonce as unused: a replayed connect token would get in. */
    @ExtendWith(OnlyWhenAsked.class)
    static class NonceReusingStore extends RelayStoreContract {
        @Override
        protected RelayStore openStore(Path dataDir) {
            return lying(SqliteRelayStore.open(dataDir.resolve("relay.db")), "rememberNonce", true);
        }
    }

    /** Reports every connect as the first: identity.first_seen would be audited again and again. */
    @ExtendWith(OnlyWhenAsked.class)
    static class EveryConnectFirstStore extends RelayStoreContract {
        @Override
        protected RelayStore openStore(Path dataDir) {
            return lying(SqliteRelayStore.open(dataDir.resolve("relay.db")), "recordConnected", true);
        }
    }

    private static TestExecutionSummary run(Class<?> contract, String... tests) throws NoSuchMethodException {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameter(RUN_BROKEN, "true");
        for (String test : tests) {
            Method method = contract.getMethod(test);
            request.selectors(selectMethod(contract, method));
        }
        LauncherDiscoveryRequest built = request.build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(built, listener);
        return listener.getSummary();
    }

    @Test
    void aStoreThatReusesANonceFailsTheNonceContract() throws Exception {
        TestExecutionSummary summary = run(NonceReusingStore.class, "firstUseIsNewSecondIsReplay",
                "concurrentUsesOfOneNonceHaveOneWinner", "nonceIsScopedToTheKey");
        assertThat(summary.getTestsFoundCount()).isEqualTo(3);
        assertThat(failed(summary)).containsExactlyInAnyOrder("firstUseIsNewSecondIsReplay()",
                "concurrentUsesOfOneNonceHaveOneWinner()");
        assertThat(summary.getTestsSucceededCount()).as("only uses of fresh nonces").isEqualTo(1);
    }

    @Test
    void aStoreThatCountsEveryConnectAsTheFirstFailsTheFirstConnectContract() throws Exception {
        TestExecutionSummary summary = run(EveryConnectFirstStore.class, "concurrentFirstConnectsReportOneNewIdentity");
        assertThat(failed(summary)).containsExactly("concurrentFirstConnectsReportOneNewIdentity()");
    }

    private static List<String> failed(TestExecutionSummary summary) {
        return summary.getFailures().stream().map(f -> f.getTestIdentifier().getDisplayName()).toList();
    }
}
