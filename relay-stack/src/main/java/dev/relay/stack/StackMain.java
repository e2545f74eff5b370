package dev.relay.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;

/**
 * One stack in a process of its own, for tools that must keep the broker out of their JVM (the benchmarks): on free
 * loopback ports, it prints one line {@code READY mqtt=tcp://... [amqp=...] [websocket=...] realm=...} and runs until
 * its standard input closes (the parent finished or died) or it gets SIGTERM.
 *
 * <pre>java -cp ... dev.relay.stack.StackMain hivemq|artemis DATA_DIR [bare] [relay.key=value ...]</pre>
 */
public final class StackMain {
    private StackMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: StackMain hivemq|artemis DATA_DIR [bare] [relay.key=value ...]");
            System.exit(2);
        }
        BrokerKind kind = BrokerKind.valueOf(args[0].toUpperCase(Locale.ROOT));
        StackOptions.Builder options = StackOptions.ephemeral(kind, Path.of(args[1]));
        for (int i = 2; i < args.length; i++) {
            if (args[i].equals("bare")) {
                options.bare();
            } else {
                String[] pair = args[i].split("=", 2);
                options.relayProperty(pair[0], pair[1]);
            }
        }
        RelayStack stack = RelayStack.start(options.build());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "stack-main-shutdown"));
        StringJoiner ready = new StringJoiner(" ", "READY ", "");
        for (Map.Entry<String, java.net.URI> endpoint : stack.endpoints().entrySet()) {
            ready.add(endpoint.getKey() + "=" + endpoint.getValue());
        }
        ready.add("realm=" + stack.realm());
        System.out.println(ready);
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // the parent holds our stdin open while it wants us
            }
        } catch (IOException ignored) {
            // parent gone
        }
        System.exit(0); // runs the shutdown hook
    }
}
