package dev.relay.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A broker (bare, or with Relay) in a JVM of its own, so that the load generator's CPU and heap are not the broker's:
 * {@code dev.relay.stack.StackMain} with this JVM's class path and a fresh data folder. It ends when this object is
 * closed (its standard input closes) or when this JVM dies.
 */
final class BrokerProcess implements Target {
    private final String name;
    private final boolean relay;
    private final Process process;
    private final Map<String, String> endpoints;
    private final Path data;

    private BrokerProcess(String name, boolean relay, Process process, Map<String, String> endpoints, Path data) {
        this.name = name;
        this.relay = relay;
        this.process = process;
        this.endpoints = endpoints;
        this.data = data;
    }

    static BrokerProcess start(String broker, boolean bare, Map<String, String> relayProperties, String heap)
            throws IOException {
        return start(broker, bare, relayProperties, heap,
                Files.createTempDirectory("relay-bench-" + broker + (bare ? "-bare-" : "-relay-")));
    }

    /** As above, on the data folder {@code data}: a folder a killed broker left behind is resumed. */
    static BrokerProcess start(String broker, boolean bare, Map<String, String> relayProperties, String heap,
                               Path data) throws IOException {
        // Brokers log warnings only, to a file: logging must cost neither side of a comparison anything.
        Path logback = data.resolve("logback.xml");
        Files.writeString(logback, """
                <configuration>
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder><pattern>%%d %%-5level %%logger{36} - %%msg%%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="FILE"/></root>
                </configuration>
                """.formatted(data.resolve("broker.log")));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx" + heap, "-Dlogback.configurationFile=" + logback,
                "-Djava.util.logging.config.file=/dev/null", "-cp", System.getProperty("java.class.path"),
                "dev.relay.stack.StackMain", broker, data.toString()));
        // e.g. -Drelay.bench.broker-jvm-args="-XX:StartFlightRecording=filename=broker.jfr,settings=profile"
        String extra = System.getProperty("relay.bench.broker-jvm-args", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(1, List.of(extra.split("\\s+")));
        }
        if (bare) {
            command.add("bare");
        }
        relayProperties.forEach((key, value) -> command.add(key + "=" + value));
        Path stdout = data.resolve("stdout.log");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile())
                .redirectError(data.resolve("stderr.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        String ready = null;
        while (ready == null && System.nanoTime() < deadline && process.isAlive()) {
            ready = Files.readAllLines(stdout, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith("READY ")).findFirst().orElse(null);
            if (ready == null) {
                sleep(100);
            }
        }
        if (ready == null) {
            process.destroyForcibly();
            throw new IOException(broker + (bare ? " (bare)" : " + Relay") + " did not start; see " + data);
        }
        Map<String, String> endpoints = new HashMap<>();
        for (String pair : ready.substring("READY ".length()).split(" ")) {
            String[] kv = pair.split("=", 2);
            endpoints.put(kv[0], kv[1]);
        }
        String display = ("hivemq".equals(broker) ? "HiveMQ" : "Artemis") + (bare ? " bare" : " + Relay");
        return new BrokerProcess(display, !bare, process, endpoints, data);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean relay() {
        return relay;
    }

    @Override
    public URI mqtt() {
        return URI.create(endpoints.get("mqtt"));
    }

    @Override
    public URI amqp() {
        String amqp = endpoints.get("amqp");
        return amqp == null ? null : URI.create(amqp);
    }

    @Override
    public String realm() {
        return endpoints.get("realm");
    }

    @Override
    public URI gateway() {
        String gateway = endpoints.get("websocket");
        return gateway == null ? null : URI.create(gateway);
    }

    @Override
    public long heapUsedAfterGc() {
        return ProcessMemory.heapUsedAfterGc(process.pid());
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public Path dataFolder() {
        return data;
    }

    /** SIGKILL: no shutdown hook, no flush, no goodbye to the clients. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // StackMain stops when its stdin closes
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
