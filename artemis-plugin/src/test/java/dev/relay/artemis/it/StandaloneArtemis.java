package dev.relay.artemis.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A standalone Artemis instance made the way an operator would: {@code bin/artemis create} from the distribution that
 * the build fetched from Maven Central, the plugin jar dropped into {@code lib/}, and the snippets from
 * src/main/artemis merged into {@code etc/broker.xml}, {@code etc/bootstrap.xml} and {@code etc/log4j2.properties}.
 * Runs as its own process ({@code bin/artemis run}).
 */
final class StandaloneArtemis implements BrokerEndpoints, AutoCloseable {
    static final String REALM = "deploy.test";

    private final Path instance;
    private final int amqpPort = BrokerEndpoints.freeLoopbackPort();
    private final int mqttPort = BrokerEndpoints.freeLoopbackPort();
    private final int stompPort = BrokerEndpoints.freeLoopbackPort();
    private Process process;

    private StandaloneArtemis(Path instance) {
        this.instance = instance;
    }

    static StandaloneArtemis create() throws Exception {
        Path home = Path.of(System.getProperty("relay.artemis.home"));
        Path instance = Files.createTempDirectory("relay-artemis-instance-").resolve("broker");
        run(List.of(home.resolve("bin/artemis").toString(), "create", "--silent", "--no-web", "--no-autotune",
                "--nio", "--require-login", "--user", "operator", "--password", "unused-with-relay",
                "--host", "127.0.0.1", "--name", "relay-deploy", instance.toString()), home);
        StandaloneArtemis broker = new StandaloneArtemis(instance);
        broker.install();
        return broker;
    }

    private void install() throws IOException {
        Path jar = Path.of(System.getProperty("relay.plugin.jar"));
        Files.copy(jar, instance.resolve("lib").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        Path snippets = Path.of(System.getProperty("relay.artemis.snippets"));

        Path brokerXml = instance.resolve("etc/broker.xml");
        String broker = Files.readString(brokerXml);
        String snippet = Files.readString(snippets.resolve("broker-snippet.xml"))
                .replaceAll("(?s)<!--.*?-->", "")
                .replace("tcp://0.0.0.0:5672", "tcp://127.0.0.1:" + amqpPort)
                .replace("tcp://0.0.0.0:1883", "tcp://127.0.0.1:" + mqttPort)
                .replace("tcp://0.0.0.0:61613", "tcp://127.0.0.1:" + stompPort)
                .replace("relay.example.org", REALM);
        broker = broker.replaceAll("(?s)<acceptors>.*?</acceptors>", "");
        // The snippet's address settings join the instance's own list.
        String settings = snippet.replaceAll("(?s).*<address-settings>(.*?)</address-settings>.*", "$1");
        snippet = snippet.replaceAll("(?s)<address-settings>.*?</address-settings>", "");
        broker = broker.replace("<address-settings>", "<address-settings>" + settings);
        broker = broker.replace("</core>", snippet + "\n</core>");
        Files.writeString(brokerXml, broker);

        Path bootstrap = instance.resolve("etc/bootstrap.xml");
        String security = Files.readString(snippets.resolve("bootstrap-snippet.xml")).replaceAll("(?s)<!--.*?-->", "");
        Files.writeString(bootstrap, Files.readString(bootstrap).replaceAll("<jaas-security[^>]*/>", security.trim()));

        Path log4j = instance.resolve("etc/log4j2.properties");
        Files.writeString(log4j, Files.readString(log4j) + "\n" + Files.readString(snippets.resolve("log4j2-snippet.properties")));
    }

    /** Starts {@code bin/artemis run} and waits for "Server is now active". */
    void start() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(instance.resolve("bin/artemis").toString(), "run")
                .redirectErrorStream(true).redirectOutput(log().toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        process = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            String out = Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "";
            if (out.contains("AMQ221007")) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("Artemis exited:\n" + out);
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Artemis did not become active:\n" + Files.readString(log()));
    }

    Path log() {
        return instance.resolve("console.log");
    }

    String brokerLog() throws IOException {
        Path file = instance.resolve("log/artemis.log");
        return Files.exists(file) ? Files.readString(file) : Files.readString(log());
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: Artemis shuts down cleanly
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Override
    public String realm() {
        return REALM;
    }

    @Override
    public String amqpHost() {
        return "127.0.0.1";
    }

    @Override
    public int amqpPort() {
        return amqpPort;
    }

    @Override
    public String mqttUri() {
        return "tcp://127.0.0.1:" + mqttPort;
    }

    @Override
    public int stompPort() {
        return stompPort;
    }

    private static void run(List<String> command, Path home) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process create = builder.start();
        String out = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!create.waitFor(120, TimeUnit.SECONDS) || create.exitValue() != 0) {
            throw new IllegalStateException("artemis create failed:\n" + out);
        }
    }

}
