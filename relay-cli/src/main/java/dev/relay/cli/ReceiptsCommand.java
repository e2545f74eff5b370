package dev.relay.cli;

import dev.relay.client.Incoming;
import dev.relay.client.RelayClient;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "receipts", mixinStandardHelpOptions = true,
        description = {"Show the receipts that arrive for messages you sent, each one checked.",
                "Checked: signed by the recipient, naming a message this key sent ('relay send' keeps them in",
                "<key file>.sent), with that message's digest. Like listen, it reads (consumes) the inbox; other",
                "envelopes are named on stderr."})
final class ReceiptsCommand extends ClientCommand implements Callable<Integer> {
    @Option(names = {"-n", "--count"}, description = "Stop after this many receipts.")
    Integer count;

    @Option(names = "--for", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Stop after this long.")
    Duration duration;

    @Override
    public Integer call() throws Exception {
        Map<String, Envelope> sent = new SentLog(connection.keyFile()).byId();
        CountDownLatch enough = new CountDownLatch(1);
        AtomicInteger seen = new AtomicInteger();
        try (RelayClient client = connection.connectInbox(in -> show(in, sent, seen, enough))) {
            err().println("Waiting for receipts to " + client.keyId() + " (" + sent.size()
                    + " sent messages known; Ctrl-C to stop)");
            err().flush();
            awaitEnough(enough, duration);
        }
        return ExitCodes.OK;
    }

    private void show(Incoming in, Map<String, Envelope> sent, AtomicInteger seen, CountDownLatch enough) {
        Envelope envelope = in.envelope();
        if (envelope.kind() != Kind.RECEIPT) {
            // Like listen, this consumes the inbox: other envelopes are named on stderr so nothing goes unseen.
            err().println(EnvelopeFormat.consumedElsewhere(envelope, "relay receipts"));
            err().flush();
            return;
        }
        String verdict;
        String status = "?";
        try {
            Receipt receipt = Receipt.parse(envelope);
            status = receipt.status();
            Envelope original = sent.get(receipt.messageId());
            if (original == null) {
                verdict = "for a message not sent from here (cannot check the digest)";
            } else if (!original.to().equals(envelope.from())) {
                verdict = "INVALID: signed by " + envelope.from() + ", but the message went to " + original.to();
            } else {
                verdict = receipt.matches(original) ? "verified (signature and digest)" : "INVALID: digest differs";
            }
        } catch (RelayException e) {
            verdict = "INVALID: " + e.reasonString();
        }
        out().println(status + "  message " + envelope.inReplyTo() + "  from " + envelope.from() + "  " + verdict);
        out().flush();
        if (count != null && seen.incrementAndGet() >= count) {
            enough.countDown();
        }
    }
}
