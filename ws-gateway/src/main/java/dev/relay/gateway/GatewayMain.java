package dev.relay.gateway;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a gateway from a properties file ({@code gateway.*}, see docs/gateway.md) until the process is stopped.
 * {@code -Dgateway.<name>=<value>} system properties override the file.
 */
public final class GatewayMain {
    private GatewayMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length > 1 || args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            System.out.println("usage: GatewayMain [gateway.properties]   (gateway.realm and gateway.broker-uri are required)");
            return;
        }
        Properties properties = new Properties();
        if (args.length == 1) {
            try (Reader reader = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
        }
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("gateway."))
                .forEach(name -> properties.setProperty(name, System.getProperty(name)));
        GatewayConfig config;
        try {
            config = GatewayConfig.fromProperties(properties);
        } catch (IllegalArgumentException e) {
            System.err.println("relay gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        RelayGateway gateway = RelayGateway.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "relay-gateway-shutdown"));
        System.out.println("Relay WebSocket gateway on " + gateway.uri() + " (health: " + gateway.httpUri()
                + "/health), broker " + config.brokerUri + ", realm " + config.realm);
        stopped.await();
    }
}
