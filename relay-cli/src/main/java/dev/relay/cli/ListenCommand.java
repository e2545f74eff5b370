package dev.relay.cli;

import dev.relay.client.Incoming;
import dev.relay.client.RelayClient;
import dev.relay.protocol.Kind;
import dev.relay.protocol.RelayException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "listen", mixinStandardHelpOptions = true,
        description = {"Tail your inbox: every verified envelope as it arrives.", "Queued ones come first.",
                "Runs until Ctrl-C, --count envelopes or --for a while."})
final class ListenCommand extends ClientCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--json", description = "One envelope per line as JSON (exactly as signed), for scripts.")
    boolean json;

    @Option(names = {"-n", "--count"}, description = "Stop after this many envelopes.")
    Integer count;

    @Option(names = "--for", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Stop after this long (exit code 0 even if nothing came).")
    Duration duration;

    @Option(names = "--receipt", paramLabel = "STATUS",
            description = "Answer every message with a signed receipt: delivered or read.")
    String receipt;

    @Option(names = "--kind", description = "Show envelopes of this kind (message, receipt, stream, ...) on stdout; "
            + "the others are only named on stderr (listen consumes the inbox).")
    String kind;

    @Override
    public Integer call() throws Exception {
        if (receipt != null && !receipt.equals("delivered") && !receipt.equals("read")) {
            throw new CliException("bad_option", "--receipt must be delivered or read", ExitCodes.USAGE);
        }
        if (kind != null) {
            try {
                Kind.fromWire(kind);
            } catch (RelayException e) {
                throw new CliException("bad_option", "--kind: " + e.getMessage(), ExitCodes.USAGE);
            }
        }
        if (count != null && count < 1) {
            throw new CliException("bad_option", "--count must be at least 1", ExitCodes.USAGE);
        }
        CountDownLatch enough = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        try (RelayClient client = connection.connectInbox(in -> show(in, seen, enough))) {
            err().println("Listening on the inbox of " + client.keyId() + " via " + connection.resolvedUrl()
                    + " (Ctrl-C to stop)");
            err().flush();
            awaitEnough(enough, duration);
        }
        return ExitCodes.OK;
    }

    private void show(Incoming in, AtomicInteger seen, CountDownLatch enough) throws Exception {
        if (kind != null && !in.envelope().kind().wireName().equals(kind)) {
            // listen consumes the inbox: what the filter hides is still named, on stderr, so nothing goes unseen.
            err().println(EnvelopeFormat.consumedElsewhere(in.envelope(), "--kind " + kind));
            err().flush();
            return;
        }
        if (json) {
            out().println(in.envelope().toJsonString());
        } else {
            out().println(EnvelopeFormat.line(in.envelope()));
        }
        out().flush();
        if (receipt != null && in.envelope().kind() == Kind.MESSAGE) {
            in.receipt(receipt).get(connection.timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (count != null && seen.incrementAndGet() >= count) {
            enough.countDown();
        }
    }
}
