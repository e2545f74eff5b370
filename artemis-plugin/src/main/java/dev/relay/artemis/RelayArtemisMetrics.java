package dev.relay.artemis;

import dev.relay.protocol.ErrorCode;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Relay counters. Always kept in the plugin; also published as {@code relay.*} meters in the broker's Micrometer
 * registry when the broker has a metrics plugin configured (Artemis' {@code <metrics>} element).
 */
public final class RelayArtemisMetrics {
    final LongAdder accepted = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder delivered = new LongAdder();
    final LongAdder expired = new LongAdder();
    final LongAdder connectsAccepted = new LongAdder();
    final LongAdder authorizationsRefused = new LongAdder();
    private final Map<ErrorCode, LongAdder> publishRefused = new EnumMap<>(ErrorCode.class);
    private final Map<ErrorCode, LongAdder> connectRefused = new EnumMap<>(ErrorCode.class);
    private final List<Meter> registered = new ArrayList<>();
    private MeterRegistry registry;

    RelayArtemisMetrics() {
        for (ErrorCode code : ErrorCode.values()) {
            publishRefused.put(code, new LongAdder());
            connectRefused.put(code, new LongAdder());
        }
    }

    void connectRefused(ErrorCode code) {
        connectRefused.get(code).increment();
    }

    void publishRefused(ErrorCode code) {
        publishRefused.get(code).increment();
    }

    public long acceptedCount() {
        return accepted.sum();
    }

    public long deliveredCount() {
        return delivered.sum();
    }

    public long expiredCount() {
        return expired.sum();
    }

    public long requestCount() {
        return requests.sum();
    }

    public long duplicateCount() {
        return duplicates.sum();
    }

    public long connectsAcceptedCount() {
        return connectsAccepted.sum();
    }

    public long publishRefusedCount(ErrorCode code) {
        return publishRefused.get(code).sum();
    }

    public long connectRefusedCount(ErrorCode code) {
        return connectRefused.get(code).sum();
    }

    synchronized void bindTo(MeterRegistry meterRegistry) {
        this.registry = meterRegistry;
        counter("relay.publish.accepted", accepted, null);
        counter("relay.publish.duplicate", duplicates, null);
        counter("relay.request.answered", requests, null);
        counter("relay.message.delivered", delivered, null);
        counter("relay.message.expired", expired, null);
        counter("relay.connect.accepted", connectsAccepted, null);
        counter("relay.authorization.refused", authorizationsRefused, null);
        publishRefused.forEach((code, adder) -> counter("relay.publish.refused", adder, code));
        connectRefused.forEach((code, adder) -> counter("relay.connect.refused", adder, code));
    }

    private void counter(String name, LongAdder adder, ErrorCode code) {
        FunctionCounter.Builder<LongAdder> builder = FunctionCounter.builder(name, adder, LongAdder::sum);
        if (code != null) {
            builder.tag("code", code.code());
        }
        registered.add(builder.register(registry));
    }

    synchronized void unbind() {
        if (registry != null) {
            registered.forEach(registry::remove);
            registered.clear();
            registry = null;
        }
    }
}
