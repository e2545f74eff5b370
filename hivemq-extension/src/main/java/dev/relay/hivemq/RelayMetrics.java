package dev.relay.hivemq;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.relay.protocol.ErrorCode;

/** Relay counters in HiveMQ's metric registry, under {@code dev.relay.}. */
final class RelayMetrics {
    private static final String PREFIX = "dev.relay.";

    private final MetricRegistry registry;
    final Counter accepted;
    final Counter parked;
    final Counter delivered;
    final Counter duplicates;
    final Counter expired;
    final Counter requests;
    final Counter connectsAccepted;
    final Timer decisionTime;

    RelayMetrics(MetricRegistry registry) {
        this.registry = registry;
        this.accepted = registry.counter(PREFIX + "publish.accepted");
        this.parked = registry.counter(PREFIX + "publish.parked");
        this.delivered = registry.counter(PREFIX + "publish.delivered");
        this.duplicates = registry.counter(PREFIX + "publish.duplicate");
        this.expired = registry.counter(PREFIX + "message.expired");
        this.requests = registry.counter(PREFIX + "request.answered");
        this.connectsAccepted = registry.counter(PREFIX + "connect.accepted");
        this.decisionTime = registry.timer(PREFIX + "publish.decision-time");
    }

    void refused(ErrorCode code) {
        registry.counter(PREFIX + "publish.refused." + code.code()).inc();
    }

    void connectRefused(ErrorCode code) {
        registry.counter(PREFIX + "connect.refused." + code.code()).inc();
    }

    void subscribeRefused() {
        registry.counter(PREFIX + "subscribe.refused").inc();
    }

    void remove() {
        registry.removeMatching((name, metric) -> name.startsWith(PREFIX));
    }
}
