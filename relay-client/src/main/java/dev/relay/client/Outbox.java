package dev.relay.client;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.RelayException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signed envelopes waiting to be accepted by the relay, kept in a file so that they survive a restart of the client
 * process ({@link ClientBuilder#outbox}). The file is a journal of lines: {@code + <envelope JSON>} when an
 * envelope is queued (written and forced to disk before {@link #add} returns) and {@code - <id>} once the relay
 * accepted or finally refused it. Opening the file replays it and rewrites it with only what is still pending.
 *
 * <p>An envelope is signed once, so a re-send after a crash is the same envelope with the same id: the relay drops it
 * as a {@code duplicate} (SPEC §10.8) and the recipient never sees it twice. A torn last line (a crash in the middle of
 * a write) is skipped.
 */
final class Outbox {
    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    private static final int COMPACT_AFTER_DONE = 10_000;

    private final Path file;
    private final Map<String, Envelope> pending = new LinkedHashMap<>();
    private FileChannel channel;
    private int doneSinceCompaction;

    private Outbox(Path file) {
        this.file = file;
    }

    /** Opens (or creates) the outbox file and loads what is still pending. */
    static Outbox open(Path file) throws IOException {
        Outbox outbox = new Outbox(file.toAbsolutePath());
        outbox.load();
        outbox.compact();
        return outbox;
    }

    private void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.startsWith("+ ")) {
                try {
                    Envelope envelope = Envelope.parse(line.substring(2).getBytes(StandardCharsets.UTF_8));
                    pending.put(envelope.id(), envelope);
                } catch (RelayException e) {
                    LOG.warn("Outbox {} line {} is not an envelope ({}); skipped", file, lineNumber, e.reasonString());
                }
            } else if (line.startsWith("- ")) {
                pending.remove(line.substring(2).trim());
            } else if (!line.isBlank()) {
                LOG.warn("Outbox {} line {} is not a journal record; skipped", file, lineNumber);
            }
        }
    }

    /** Queues {@code envelope}; it is on disk when this returns. */
    synchronized void add(Envelope envelope) throws IOException {
        append("+ " + envelope.toJsonString(), true);
        pending.put(envelope.id(), envelope);
    }

    /** The relay accepted (or finally refused) the envelope with {@code id}: never send it again. */
    synchronized void done(String id) {
        if (pending.remove(id) == null) {
            return;
        }
        try {
            // Not forced: if this mark is lost, the envelope is sent once more and the relay drops the duplicate.
            append("- " + id, false);
            if (++doneSinceCompaction >= COMPACT_AFTER_DONE || pending.isEmpty()) {
                compact();
            }
        } catch (IOException e) {
            LOG.warn("Could not record in {} that {} was sent; it may be sent again (the relay drops duplicates): {}",
                    file, id, e.toString());
        }
    }

    synchronized boolean contains(String id) {
        return pending.containsKey(id);
    }

    /** What is waiting, oldest first. */
    synchronized List<Envelope> pending() {
        return new ArrayList<>(pending.values());
    }

    synchronized int size() {
        return pending.size();
    }

    Path file() {
        return file;
    }

    synchronized void close() {
        closeChannel();
    }

    private void append(String record, boolean force) throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        }
        ByteBuffer bytes = ByteBuffer.wrap((record + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        if (force) {
            channel.force(false);
        }
    }

    /** Rewrites the file with only the pending envelopes (write a temporary file, force it, move it over). */
    private void compact() throws IOException {
        closeChannel();
        Path parent = file.getParent();
        Files.createDirectories(parent);
        Path temporary = parent.resolve(file.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (Envelope envelope : pending.values()) {
                ByteBuffer bytes = ByteBuffer.wrap(("+ " + envelope.toJsonString() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            out.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
        doneSinceCompaction = 0;
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("Closing {} failed: {}", file, e.toString());
            }
            channel = null;
        }
    }
}
