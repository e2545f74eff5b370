package dev.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code relay up} as its own process, as a newcomer runs it: it prints its endpoints and writes them for the other
 * commands, serves MQTT over TLS with a certificate it made itself, {@code relay demo} runs the story against it, a termination signal (what Ctrl-C sends, SIGINT, and what
 * service managers send, SIGTERM, take the same path in the JVM) stops it cleanly, and a second {@code relay up} on
 * the same data folder still has the message that was waiting.
 */
class UpCommandIT {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"hivemq", "artemis"})
    void upRunsTheStackAndASecondUpFindsTheWaitingMessage(String broker) throws Exception {
        Path data = dir.resolve("relay-data");
        String tlsPort = free();
        List<String> ports = List.of("--mqtt-port", free(), "--gateway-port", free(), "--amqp-port", free(),
                "--stomp-port", free(), "--mqtt-tls", "--mqtt-tls-port", tlsPort);
        String[] common = {"--data", data.toString()};

        Up first = Up.start(broker, data, ports);
        try {
            assertThat(first.output()).contains("Relay is up").contains("mqtt       tcp://127.0.0.1:")
                    .contains("websocket  ws://127.0.0.1:").contains("./relay demo");
            assertThat(data.resolve(Workspace.ENDPOINTS_FILE)).exists();

            // The client commands find the running stack through the data folder: no --url, no --realm.
            Cli me = new Cli(common);
            Cli.Result whoami = me.run("whoami", "--json");
            String myId = whoami.out().replaceAll("(?s).*\"key_id\" : \"([^\"]+)\".*", "$1");
            Cli.Result sent = new Cli("--data", data.toString(), "--key", dir.resolve("friend.key").toString())
                    .run("send", "--to", myId, "--ttl", "1h", "waiting for you");
            assertThat(sent.exit()).as(sent.err()).isZero();

            // MQTT over TLS with the self-signed certificate that --mqtt-tls made in the data folder.
            assertThat(first.output()).contains("mqtts      ssl://127.0.0.1:" + tlsPort);
            Path trust = data.resolve("tls").resolve("broker.p12");
            Cli.Result overTls = me.run("policy show", "--url", "ssl://127.0.0.1:" + tlsPort, "--trust-store",
                    trust.toString());
            assertThat(overTls.exit()).as(overTls.err()).isZero();
            assertThat(overTls.out()).contains("mode  blocklist");
            Cli.Result untrusted = me.run("policy show", "--url", "ssl://127.0.0.1:" + tlsPort);
            assertThat(untrusted.exit()).isEqualTo(ExitCodes.UNREACHABLE);

            Cli.Result demo = me.run("demo");
            assertThat(demo.exit()).as(demo.out() + demo.err()).isZero();
            assertThat(demo.out()).contains("All promises held.");
        } finally {
            assertThat(first.stop()).contains("Relay stopped");
        }
        assertThat(data.resolve(Workspace.ENDPOINTS_FILE)).doesNotExist();

        Up second = Up.start(broker, data, ports);
        try {
            Cli.Result listened = new Cli(common).run("listen", "--count", "1", "--for", "30s");
            assertThat(listened.exit()).as(listened.err()).isZero();
            assertThat(listened.out()).contains("\n  waiting for you");
        } finally {
            second.stop();
        }
    }

    private static String free() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return Integer.toString(socket.getLocalPort());
        }
    }

    /** One {@code relay up} process, started with this JVM's class path. */
    private static final class Up {
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuilder output = new StringBuilder();

        private Up(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("(output ended: " + e + ")");
                }
            }, "relay-up-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Up start(String broker, Path data, List<String> ports) throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"), RelayCli.class.getName(), "up",
                    "--broker", broker, "--data", data.toString()));
            command.addAll(ports);
            Up up = new Up(new ProcessBuilder(command).redirectErrorStream(true).start());
            up.awaitLine("Ctrl-C stops Relay.", 120);
            return up;
        }

        String output() {
            drain();
            return output.toString();
        }

        /** SIGTERM, then the output up to the exit. */
        String stop() throws Exception {
            process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("relay up exits after the signal").isTrue();
            Thread.sleep(200); // the reader takes the last lines
            return output();
        }

        private void awaitLine(String wanted, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) {
                    output.append(line).append('\n');
                    if (line.contains(wanted)) {
                        return;
                    }
                }
                if (!process.isAlive() && lines.isEmpty()) {
                    throw new AssertionError("relay up exited with " + process.exitValue() + ":\n" + output);
                }
            }
            process.destroyForcibly();
            throw new AssertionError("no '" + wanted + "' within " + seconds + " s:\n" + output);
        }

        private void drain() {
            String line;
            while ((line = lines.poll()) != null) {
                output.append(line).append('\n');
            }
        }
    }
}
