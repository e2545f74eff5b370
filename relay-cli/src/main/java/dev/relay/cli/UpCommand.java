package dev.relay.cli;

import dev.relay.stack.BrokerKind;
import dev.relay.stack.RelayStack;
import dev.relay.stack.SelfSignedCertificate;
import dev.relay.stack.StackOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Run Relay on this machine until Ctrl-C.",
                "An embedded HiveMQ CE with the Relay extension (or Apache Artemis with the plugin: --broker artemis)",
                "and the WebSocket gateway, on 127.0.0.1.",
                "All data stays in --data: a second 'relay up' finds every waiting message."})
final class UpCommand implements Callable<Integer> {
    @Option(names = "--broker", defaultValue = "hivemq", description = "hivemq (default) or artemis.")
    String broker;

    @Option(names = "--data", paramLabel = "DIR", description = "Data folder (default: $RELAY_DATA, else ./relay-data).")
    Path data;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default 127.0.0.1).")
    String host;

    @Option(names = "--mqtt-port", defaultValue = "" + StackOptions.DEFAULT_MQTT_PORT, description = "MQTT port "
            + "(default ${DEFAULT-VALUE}; 0 picks a free one).")
    int mqttPort;

    @Option(names = "--gateway-port", defaultValue = "" + StackOptions.DEFAULT_GATEWAY_PORT,
            description = "WebSocket gateway port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int gatewayPort;

    @Option(names = "--amqp-port", defaultValue = "" + StackOptions.DEFAULT_AMQP_PORT,
            description = "AMQP port, Artemis only (default ${DEFAULT-VALUE}).")
    int amqpPort;

    @Option(names = "--stomp-port", defaultValue = "" + StackOptions.DEFAULT_STOMP_PORT,
            description = "STOMP port, Artemis only (default ${DEFAULT-VALUE}).")
    int stompPort;

    @Option(names = "--mqtt-tls", description = "Also listen for MQTT over TLS. Without --mqtt-tls-keystore a "
            + "self-signed certificate for --host is made in <data>/tls/broker.p12 (for trying TLS, not production).")
    boolean mqttTls;

    @Option(names = "--mqtt-tls-keystore", paramLabel = "FILE",
            description = "The certificate and key for MQTT over TLS (PKCS12 or JKS); implies --mqtt-tls.")
    Path mqttTlsKeyStore;

    @Option(names = "--mqtt-tls-password", paramLabel = "PASSWORD", defaultValue = "changeit",
            description = "Password of the key store, store and key (default ${DEFAULT-VALUE}).")
    String mqttTlsPassword;

    @Option(names = "--mqtt-tls-port", defaultValue = "" + StackOptions.DEFAULT_MQTT_TLS_PORT,
            description = "MQTT over TLS port (default ${DEFAULT-VALUE}).")
    int mqttTlsPort;

    @Option(names = "--realm", description = "Realm of a new data folder (default " + StackOptions.DEFAULT_REALM
            + "); an existing folder keeps its own.")
    String realm;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BrokerKind kind = switch (broker.toLowerCase(Locale.ROOT)) {
            case "hivemq" -> BrokerKind.HIVEMQ;
            case "artemis" -> BrokerKind.ARTEMIS;
            default -> throw new CliException("bad_option", "--broker must be hivemq or artemis, not " + broker,
                    ExitCodes.USAGE);
        };
        Path dataDir = Workspace.dataDir(data).toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        Path logFile = Logging.toFile(dataDir.resolve("logs").resolve("relay.log"));
        out.println("Starting Relay with " + (kind == BrokerKind.HIVEMQ ? "HiveMQ CE + Relay extension"
                : "Apache Artemis + Relay plugin") + " in " + dataDir + " ...");
        out.flush();
        long started = System.nanoTime();
        RelayStack stack;
        Path tlsTrust = null;
        try {
            StackOptions.Builder options = StackOptions.builder(kind, dataDir).host(host).mqttPort(mqttPort)
                    .gatewayPort(gatewayPort).amqpPort(amqpPort).stompPort(stompPort).realm(realm);
            if (mqttTls || mqttTlsKeyStore != null) {
                Path keyStore = mqttTlsKeyStore != null ? mqttTlsKeyStore : SelfSignedCertificate.createIfMissing(
                        dataDir.resolve("tls").resolve("broker.p12"), mqttTlsPassword, host, 365);
                options.mqttTls(keyStore, mqttTlsPassword).mqttTlsPort(mqttTlsPort);
                tlsTrust = keyStore;
            }
            stack = RelayStack.start(options.build());
        } catch (java.io.IOException e) {
            throw new CliException("start_failed", e.getMessage() + " (log: " + logFile + ")", ExitCodes.LOCAL);
        }
        Properties endpoints = new Properties();
        endpoints.setProperty("realm", stack.realm());
        endpoints.setProperty("broker", kind.name().toLowerCase(Locale.ROOT));
        stack.endpoints().forEach((name, uri) -> endpoints.setProperty(name, uri.toString()));
        Workspace.writeRunningStack(dataDir, endpoints);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println();
            out.println("Stopping Relay ...");
            out.flush();
            Workspace.removeRunningStack(dataDir);
            stack.close();
            out.println("Relay stopped. Waiting messages are kept in " + dataDir + ".");
            out.flush();
            stopped.countDown();
        }, "relay-up-shutdown"));

        out.printf(Locale.ROOT, "Relay is up (%.1f s). Realm: %s%n", (System.nanoTime() - started) / 1e9,
                stack.realm());
        for (Map.Entry<String, URI> endpoint : stack.endpoints().entrySet()) {
            out.printf("  %-10s %s%n", endpoint.getKey(), endpoint.getValue());
        }
        if (tlsTrust != null) {
            out.println("             (TLS clients: --trust-store " + tlsTrust + ")");
        }
        out.println("  data       " + dataDir);
        out.println("  log        " + logFile);
        out.println();
        out.println("Next, in another terminal:");
        out.println("  ./relay demo                       # the smart-home story: a command waits for an offline fan");
        out.println("  ./relay whoami                     # your identity (key file in " + Workspace.DEFAULT_DATA
                + "/keys)");
        out.println("  ./relay listen                     # tail your inbox");
        out.println("  ./relay send --to <key id> hello   # send a signed message");
        out.println("Ctrl-C stops Relay.");
        out.flush();
        stopped.await(); // the shutdown hook ends it
        return ExitCodes.OK;
    }
}
