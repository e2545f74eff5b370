package dev.relay.artemis.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the plugin sets up when the broker starts: the system and expiry addresses, and the namespace's settings. */
class PluginLifecycleIT {
    private static RelayArtemis broker;

    @BeforeAll
    static void start() {
        broker = RelayArtemis.start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void theSystemAddressIsAnAnycastQueueOfTheRelay() {
        var info = broker.server().getAddressInfo(SimpleString.of("relay.v1.sys"));
        assertThat(info).isNotNull();
        assertThat(info.getRoutingTypes()).containsExactly(RoutingType.ANYCAST);
        assertThat(broker.server().locateQueue("relay.v1.sys").isDurable()).isTrue();
    }

    @Test
    void expiredEnvelopesHaveADurableQueueOnTheExpiryAddress() {
        assertThat(broker.server().locateQueue("relay.v1.expired")).isNotNull();
        assertThat(broker.server().getAddressSettingsRepository().getMatch("relay.v1.inbox.x").getExpiryAddress()
                .toString()).isEqualTo("relay.v1.expired");
    }

    @Test
    void theNamespaceIsAnycastAndOnlyTheRelayCreatesQueues() {
        var settings = broker.server().getAddressSettingsRepository().getMatch("relay.v1.inbox.x");
        assertThat(settings.getDefaultAddressRoutingType()).isEqualTo(RoutingType.ANYCAST);
        assertThat(settings.isAutoCreateQueues()).isFalse();
        assertThat(settings.isAutoDeleteQueues()).isFalse();
        assertThat(settings.getMaxExpiryDelay()).isEqualTo(30L * 24 * 3600 * 1000);
    }
}
