package dev.relay.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relay.protocol.Json;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway's counters, served as JSON on {@code /metrics}: sessions, frames in and out, refusals by code, closes by
 * close code, bytes in flight to clients. Plain counters (no metrics library) because the gateway has nothing else to
 * report to; names are stable for scrapers.
 */
public final class GatewayMetrics {
    private final AtomicLong sessionsOpen = new AtomicLong();
    private final AtomicLong connectionsOpen = new AtomicLong();
    private final LongAdder sessionsTotal = new LongAdder();
    private final LongAdder framesIn = new LongAdder();
    private final LongAdder framesOut = new LongAdder();
    private final LongAdder messagesDelivered = new LongAdder();
    private final LongAdder messagesAcked = new LongAdder();
    private final LongAdder sendsAccepted = new LongAdder();
    private final LongAdder handshakesRefused = new LongAdder();
    private final AtomicLong bytesInFlight = new AtomicLong();
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> closes = new ConcurrentHashMap<>();
    private volatile java.util.function.LongSupplier tcpConnections = () -> 0;

    void connectionOpened() { connectionsOpen.incrementAndGet(); }
    void connectionClosed() { connectionsOpen.decrementAndGet(); }
    void sessionOpened() { sessionsOpen.incrementAndGet(); sessionsTotal.increment(); }
    void sessionClosed() { sessionsOpen.decrementAndGet(); }
    void frameIn() { framesIn.increment(); }
    void frameOut() { framesOut.increment(); }
    void delivered() { messagesDelivered.increment(); }
    void acked() { messagesAcked.increment(); }
    void sendAccepted() { sendsAccepted.increment(); }
    void handshakeRefused() { handshakesRefused.increment(); }
    void bytesInFlight(long delta) { bytesInFlight.addAndGet(delta); }
    void refused(String code) { refusals.computeIfAbsent(code, c -> new LongAdder()).increment(); }
    void tcpConnections(java.util.function.LongSupplier source) { this.tcpConnections = source; }
    void closed(int closeCode) { closes.computeIfAbsent(closeCode, c -> new LongAdder()).increment(); }

    public long sessionsOpen() { return sessionsOpen.get(); }
    public long connectionsOpen() { return connectionsOpen.get(); }
    public long bytesInFlight() { return bytesInFlight.get(); }
    /** TCP connections the server holds, whatever their WebSocket state (a dropped slow reader leaves this). */
    public long tcpConnections() { return tcpConnections.getAsLong(); }
    public long refusals(String code) {
        LongAdder adder = refusals.get(code);
        return adder == null ? 0 : adder.sum();
    }
    public long closes(int closeCode) {
        LongAdder adder = closes.get(closeCode);
        return adder == null ? 0 : adder.sum();
    }

    /** The JSON document of {@code /metrics}. */
    public ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("tcp_connections", tcpConnections.getAsLong());
        node.put("connections_open", connectionsOpen.get());
        node.put("sessions_open", sessionsOpen.get());
        node.put("sessions_total", sessionsTotal.sum());
        node.put("frames_in", framesIn.sum());
        node.put("frames_out", framesOut.sum());
        node.put("messages_delivered", messagesDelivered.sum());
        node.put("messages_acked", messagesAcked.sum());
        node.put("sends_accepted", sendsAccepted.sum());
        node.put("handshakes_refused", handshakesRefused.sum());
        node.put("bytes_in_flight", bytesInFlight.get());
        ObjectNode byCode = node.putObject("refusals");
        new TreeMap<>(refusals).forEach((code, count) -> byCode.put(code, count.sum()));
        ObjectNode byClose = node.putObject("closes");
        new TreeMap<>(closes).forEach((code, count) -> byClose.put(String.valueOf(code), count.sum()));
        return node;
    }
}
