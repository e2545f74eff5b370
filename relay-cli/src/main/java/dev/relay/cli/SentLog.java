package dev.relay.cli;

import dev.relay.protocol.Envelope;
import dev.relay.protocol.RelayException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The messages this key sent from the command line ({@code <key file>.sent}, one envelope per line, the newest
 * {@value #KEEP}), so that {@code relay receipts} can check a receipt's digest against the message it names.
 */
final class SentLog {
    static final int KEEP = 1000;
    private static final long TRIM_ABOVE_BYTES = 4L * 1024 * 1024;

    private final Path file;

    SentLog(Path keyFile) {
        this.file = keyFile.resolveSibling(keyFile.getFileName() + ".sent");
    }

    void record(Envelope sent) {
        try {
            Files.writeString(file, sent.toJsonString() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            // Trimmed only once it is clearly too long (an envelope line is at most ~256 KiB, usually < 1 KiB), so a
            // send does not read the whole log back.
            if (Files.size(file) > TRIM_ABOVE_BYTES) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (lines.size() > KEEP) {
                    Files.write(file, lines.subList(lines.size() - KEEP, lines.size()), StandardCharsets.UTF_8);
                }
            }
        } catch (IOException e) {
            // only receipts' digest checks depend on it; sending already succeeded
        }
    }

    Map<String, Envelope> byId() {
        Map<String, Envelope> sent = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return sent;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    Envelope envelope = Envelope.parse(line.getBytes(StandardCharsets.UTF_8));
                    sent.put(envelope.id(), envelope);
                } catch (RelayException skipped) {
                    // a torn line
                }
            }
        } catch (IOException e) {
            // treated as empty
        }
        return sent;
    }
}
