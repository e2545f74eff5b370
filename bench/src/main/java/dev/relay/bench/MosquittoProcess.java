package dev.relay.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Eclipse Mosquitto 2.0 (Debian's package) as the outside peer: one loopback listener, anonymous clients confined by
 * an ACL file the way Relay confines identities (anyone may write to an inbox topic, only its owner may read it),
 * persistence on so that QoS 1 sessions survive as they do on the other brokers.
 */
final class MosquittoProcess implements Target {
    private final Process process;
    private final URI mqtt;
    private final Path data;

    private MosquittoProcess(Process process, URI mqtt, Path data) {
        this.process = process;
        this.mqtt = mqtt;
        this.data = data;
    }

    /** The mosquitto binary, or null when it is not installed (the scenario then reports the peer as skipped). */
    static Path binary() {
        for (String candidate : new String[] {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"}) {
            Path path = Path.of(candidate);
            if (Files.isExecutable(path)) {
                return path;
            }
        }
        return null;
    }

    static MosquittoProcess start() throws IOException {
        Path binary = binary();
        if (binary == null) {
            throw new IOException("mosquitto is not installed (apt-get install mosquitto)");
        }
        Path data = Files.createTempDirectory("relay-bench-mosquitto-");
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path acl = data.resolve("acl");
        Files.writeString(acl, """
                # Like a Relay inbox: anyone writes to it, only the client whose id is in the name reads it.
                pattern write bench/inbox/#
                pattern read bench/inbox/%c
                """);
        Path config = data.resolve("mosquitto.conf");
        Files.writeString(config, """
                listener %d 127.0.0.1
                user root
                allow_anonymous true
                acl_file %s
                persistence true
                persistence_location %s/
                max_queued_messages 100000
                max_inflight_messages 0
                log_dest file %s
                """.formatted(port, acl, data, data.resolve("mosquitto.log")));
        Process process = new ProcessBuilder(binary.toString(), "-c", config.toString())
                .redirectErrorStream(true).redirectOutput(data.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return new MosquittoProcess(process, URI.create("tcp://127.0.0.1:" + port), data);
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        process.destroyForcibly();
        throw new IOException("mosquitto did not start; see " + data);
    }

    @Override
    public String name() {
        return "Mosquitto";
    }

    @Override
    public boolean relay() {
        return false;
    }

    @Override
    public URI mqtt() {
        return mqtt;
    }

    @Override
    public String realm() {
        return null;
    }

    @Override
    public URI gateway() {
        return null;
    }

    @Override
    public long heapUsedAfterGc() {
        return -1;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public Path dataFolder() {
        return data;
    }

    @Override
    public void close() {
        process.destroy(); // SIGTERM: mosquitto saves and exits
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
