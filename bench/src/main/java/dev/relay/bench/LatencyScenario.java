package dev.relay.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.relay.agent.RelayAgent;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayKeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 2, end-to-end latency at a fixed offered rate: one sender (an MQTT device, or an agent on the WebSocket
 * gateway) sends signed envelopes to one MQTT device at {@code rate} per second for {@code seconds}. Latency is taken
 * from the moment each message was due to be sent (not when it was actually sent, so a stalled sender shows up as
 * latency instead of hiding it) to its arrival. The first second is warm-up and not counted.
 */
final class LatencyScenario {
    enum Via { MQTT, WEBSOCKET }

    private final int rate;
    private final int seconds;
    private final Via via;

    LatencyScenario(int rate, int seconds, Via via) {
        this.rate = rate;
        this.seconds = seconds;
        this.via = via;
    }

    String describe() {
        return (via == Via.MQTT ? "MQTT device -> MQTT device" : "WebSocket agent -> MQTT device (gateway)") + ", "
                + rate + " msg/s for " + seconds + " s";
    }

    Result run(Target target) throws Exception {
        int total = rate * seconds;
        int warmUp = Math.min(rate, total / 2);
        RelayKeyPair senderKey = RelayKeyPair.generate();
        RelayKeyPair recipientKey = RelayKeyPair.generate();
        List<Envelope> envelopes = new ArrayList<>(total);
        List<byte[]> payloads = new ArrayList<>(total);
        Map<String, Integer> indexOf = new HashMap<>(total * 2);
        byte[] body = new byte[MqttLoad.BODY_BYTES];
        for (int i = 0; i < total; i++) {
            Envelope envelope = Envelope.builder(Kind.MESSAGE).to(recipientKey.keyId())
                    .contentType("application/octet-stream").body(body).sign(senderKey);
            envelopes.add(envelope);
            payloads.add(envelope.toJson());
            indexOf.put(envelope.id(), i);
        }
        long[] due = new long[total];
        long[] latency = new long[total];
        Arrays.fill(latency, -1);
        CountDownLatch arrived = new CountDownLatch(total);
        List<Mqtt5AsyncClient> clients = new ArrayList<>();
        RelayAgent agent = null;
        try {
            String topic = MqttLoad.inbox(target, recipientKey.keyId());
            Mqtt5AsyncClient recipient = MqttLoad.connected(target, recipientKey, clients);
            recipient.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).callback(publish -> {
                long now = System.nanoTime();
                Integer index = indexOf.get(MqttLoad.idOf(publish.getPayloadAsBytes()));
                if (index != null && latency[index] < 0) {
                    latency[index] = now - due[index];
                    arrived.countDown();
                }
            }).send().get(30, TimeUnit.SECONDS);
            Mqtt5AsyncClient sender = null;
            if (via == Via.MQTT) {
                sender = MqttLoad.connected(target, senderKey, clients);
            } else {
                agent = RelayAgent.builder().uri(target.gateway()).key(senderKey).connect();
            }
            long period = 1_000_000_000L / rate;
            long start = System.nanoTime() + 50_000_000L;
            for (int i = 0; i < total; i++) {
                due[i] = start + i * period;
                long wait;
                while ((wait = due[i] - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (sender != null) {
                    sender.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payloads.get(i)).send();
                } else {
                    agent.send(envelopes.get(i));
                }
            }
            boolean complete = arrived.await(30, TimeUnit.SECONDS);
            long[] counted = Arrays.stream(latency, warmUp, total).filter(value -> value >= 0).sorted().toArray();
            return new Result(percentile(counted, 0.50), percentile(counted, 0.99), percentile(counted, 0.999),
                    counted.length == 0 ? Double.NaN : counted[counted.length - 1] / 1e6,
                    total - warmUp - counted.length, complete);
        } finally {
            if (agent != null) {
                agent.close();
            }
            MqttLoad.disconnectAll(clients);
        }
    }

    private static double percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(quantile * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    /** Milliseconds; {@code lost} counts measured messages that did not arrive within 30 s after the last send. */
    record Result(double p50, double p99, double p999, double max, long lost, boolean complete) {
        boolean ok() {
            return complete && lost == 0;
        }
    }
}
