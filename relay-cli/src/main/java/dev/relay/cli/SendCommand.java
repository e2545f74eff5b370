package dev.relay.cli;

import dev.relay.client.RelayClient;
import dev.relay.protocol.Envelope;
import dev.relay.protocol.KeyId;
import dev.relay.protocol.Kind;
import dev.relay.protocol.Receipt;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.RelayKeyPair;
import dev.relay.protocol.Ttl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Send a signed message to an inbox. Prints the message id once the relay accepted it.",
                "Example: relay send --to <key id> --ttl 10m turn the fan on"})
final class SendCommand extends ClientCommand implements Callable<Integer> {
    @Option(names = "--to", required = true, converter = KeyIdConverter.class, paramLabel = "KEY_ID",
            description = "Recipient: key id or did:key.")
    KeyId to;

    @ArgGroup(exclusive = true)
    Body body;

    static final class Body {
        @Parameters(paramLabel = "TEXT", arity = "1..*", description = "The message text (words are joined).")
        List<String> words;

        @Option(names = "--file", paramLabel = "FILE", description = "Send the bytes of FILE ('-' for stdin).")
        Path file;
    }

    @Option(names = "--content-type", description = "Default: text/plain for TEXT, application/octet-stream for --file.")
    String contentType;

    @Option(names = "--ttl", converter = DurationConverter.class,
            description = "Time to live, e.g. 90s, 10m, 7d (default: the relay's, 7 days; at most 30 days).")
    Duration ttl;

    @Option(names = "--thread", paramLabel = "ID", converter = MessageIdConverter.class,
            description = "Thread id to post in (the id of its first message). Without --thread or --reply-to the"
                    + " message starts a thread of its own: its id is the thread id.")
    String thread;

    @Option(names = "--reply-to", paramLabel = "ID", converter = MessageIdConverter.class,
            description = "The message id this one answers.")
    String replyTo;

    @Option(names = "--await-receipt", arity = "0..1", fallbackValue = "60s", converter = DurationConverter.class,
            paramLabel = "WAIT", description = "Wait (default 60s) for the recipient's signed receipt and check it.")
    Duration awaitReceipt;

    @Override
    public Integer call() throws Exception {
        byte[] bytes = bytes();
        String type = contentType != null ? contentType
                : body != null && body.file != null ? null : RelayClient.TEXT_PLAIN;
        if (ttl != null && ttl.toSeconds() > Ttl.MAX_SECONDS) {
            // Accepted and clamped by the relay (SPEC §6.2): say so rather than let the sender believe the longer TTL.
            err().println("relay: note: the relay keeps a message at most " + Ttl.MAX_SECONDS / 86_400
                    + " days; --ttl " + ttl.toDays() + "d is signed as given and clamped by the relay");
            err().flush();
        }
        RelayKeyPair key = connection.loadOrCreateKey();
        Envelope envelope = envelope(key, type, bytes);
        try (RelayClient client = connection.connect()) {
            CompletableFuture<Receipt> receipt = awaitReceipt == null ? null
                    : client.awaitReceipt(envelope, awaitReceipt);
            String id = await(client.send(envelope));
            new SentLog(connection.keyFile()).record(envelope);
            out().println(id);
            out().flush();
            if (receipt != null) {
                err().println("Waiting up to " + awaitReceipt.toSeconds() + " s for a receipt from " + to + " ...");
                err().flush();
                Receipt proof = receipt.handle((r, failure) -> r).get();
                if (proof == null) {
                    throw new CliException("no_receipt", "no valid receipt for " + id + " within "
                            + awaitReceipt.toSeconds() + " s (the message stays queued until its TTL)",
                            ExitCodes.REFUSED);
                }
                out().println("receipt " + proof.status() + " from " + to + " (signature and digest verified)");
            }
        }
        return ExitCodes.OK;
    }

    /** Built and checked here: what the protocol library refuses is a bad command line, never sent. */
    private Envelope envelope(RelayKeyPair key, String type, byte[] bytes) {
        Envelope.Builder builder = Envelope.builder(Kind.MESSAGE).to(to).contentType(type).body(bytes)
                .expiresIn(ttl == null ? null : ttl.toSeconds()).threadId(thread).inReplyTo(replyTo);
        if (thread == null && replyTo == null) {
            builder.startsThread(); // SPEC §7.1: 'relay thread <its id>' then shows the whole conversation
        }
        try {
            return builder.sign(key);
        } catch (RelayException e) {
            throw new CliException("bad_option", "this message cannot be sent: " + e.getMessage(), ExitCodes.USAGE);
        }
    }

    private byte[] bytes() throws IOException {
        if (body == null) {
            throw new CliException("bad_option", "give the message as TEXT or --file FILE", ExitCodes.USAGE);
        }
        if (body.file == null) {
            return String.join(" ", body.words).getBytes(StandardCharsets.UTF_8);
        }
        return body.file.toString().equals("-") ? System.in.readAllBytes() : Files.readAllBytes(body.file);
    }
}
