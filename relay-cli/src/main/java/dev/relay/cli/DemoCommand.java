package dev.relay.cli;

import dev.relay.examples.iot.Home;
import dev.relay.examples.iot.SmartHomeScenario;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the smart-home story (examples/iot) against a running 'relay up'.",
                "A sensor and a fan on MQTT, a controller agent on the WebSocket gateway, a command that waits for",
                "the offline fan, a receipt, a refused stranger and a command that expires."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Data folder of the running 'relay up' (default: $RELAY_DATA, else ./relay-data).")
    Path data;

    @Option(names = "--mqtt", paramLabel = "URL", description = "MQTT endpoint (default: the running 'relay up').")
    URI mqtt;

    @Option(names = "--gateway", paramLabel = "URL", description = "WebSocket gateway (default: the running 'relay up').")
    URI gateway;

    @Option(names = "--realm", description = "Realm (default: the running 'relay up').")
    String realm;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dataDir = Workspace.dataDir(data);
        Properties running = Workspace.runningStack(dataDir).orElse(new Properties());
        URI mqttUri = mqtt != null ? mqtt : uri(running.getProperty("mqtt"));
        URI gatewayUri = gateway != null ? gateway : uri(running.getProperty("websocket"));
        String realmName = realm != null ? realm : running.getProperty("realm");
        if (mqttUri == null || gatewayUri == null || realmName == null) {
            throw new CliException(dev.relay.client.RelayClientException.CONNECT_FAILED, "no running Relay found in "
                    + dataDir.toAbsolutePath() + ": start one with './relay up' in another terminal (or give --mqtt, "
                    + "--gateway and --realm)", ExitCodes.UNREACHABLE);
        }
        Path work = Files.createTempDirectory("relay-demo-");
        PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true,
                java.nio.charset.StandardCharsets.UTF_8);
        SmartHomeScenario.Outcome outcome = SmartHomeScenario.run(new Home(mqttUri, gatewayUri, realmName), work, out);
        out.flush();
        return outcome.succeeded() ? ExitCodes.OK : ExitCodes.REFUSED;
    }

    private static URI uri(String text) {
        return text == null ? null : URI.create(text);
    }

    /** The scenario prints to a PrintStream; picocli's output is a PrintWriter (tests capture it). */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final java.io.PrintWriter writer;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        WriterOutputStream(java.io.PrintWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            line.write(b);
            if (b == '\n') {
                flush();
            }
        }

        @Override
        public void flush() {
            writer.print(line.toString(java.nio.charset.StandardCharsets.UTF_8));
            writer.flush();
            line.reset();
        }
    }
}
