package dev.relay.store.sqlite;

import dev.relay.store.AuditEvent;
import dev.relay.store.AuditRecord;
import dev.relay.store.AuditVerification;
import dev.relay.store.CardQuery;
import dev.relay.store.CardRecord;
import dev.relay.store.DeliveryState;
import dev.relay.store.HistoryCursor;
import dev.relay.store.MessageRecord;
import dev.relay.store.ParkedMessage;
import dev.relay.store.PolicyRecord;
import dev.relay.store.Presence;
import dev.relay.store.RelayStore;
import dev.relay.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
  * The embedded default {@link RelayStore}: one SQLite file (plus SQLite's {@code -wal} and {@code -shm} files) in the
  * data folder. WAL journal with {@code synchronous=FULL} by default, so a power cut loses no acknowledged write.
  * The file must be used by one process at a time (the audit chain head is kept in memory).
  */
public final class SqliteRelayStore implements RelayStore {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteRelayStore.class);

    /**
      * How the file is opened.
      *
      * @param synchronousNormal {@code synchronous=NORMAL} instead of FULL: faster commits, but the last transactions may
      *     be lost on power failure (never corrupted). For benchmarks and throwaway setups.
      * @param busyTimeout       how long to wait when another process (e.g. an operator's backup) holds the file lock
      */
    public record Options(boolean synchronousNormal, Duration busyTimeout) {

        public Options {
            Objects.requireNonNull(busyTimeout, "busyTimeout");
            if (busyTimeout.isNegative() || busyTimeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("busyTimeout out of range: " + busyTimeout);
            }
        }

        /** Crash-safe defaults: synchronous=FULL, 5 s busy timeout. */
        public static Options defaults() {
            return new Options(false, Duration.ofSeconds(5));
        }

        public Options withSynchronousNormal(boolean normal) {
            return new Options(normal, busyTimeout);
        }
    }

    private final SqliteDatabase db;
    private final SqliteIdentities identities;
    private final SqliteDirectory directory;
    private final SqliteMessages messages;
    private final SqliteParking parking;
    private final SqliteAuditLog auditLog;

    private final SqliteCheckpointer checkpointer;

    private SqliteRelayStore(SqliteDatabase db, SqliteCheckpointer checkpointer) {
        this.db = db;
        this.checkpointer = checkpointer;
        this.identities = new SqliteIdentities(db);
        this.directory = new SqliteDirectory(db);
        this.messages = new SqliteMessages(db);
        this.parking = new SqliteParking(db);
        this.auditLog = new SqliteAuditLog(db);
    }

    /** Opens (creating or migrating) the store file with {@link Options#defaults()}. */
    public static SqliteRelayStore open(Path file) {
        return open(file, Options.defaults());
    }

    /** Opens (creating or migrating) the store file. Creates missing parent folders. */
    public static SqliteRelayStore open(Path file, Options options) {
        Path path = file.toAbsolutePath();
        String name = path.toString();
        try {
            Files.createDirectories(path.getParent());
        } catch (IOException e) {
            throw new StoreException("Relay store " + name + ": cannot create its folder: " + e, e);
        }
        Connection connection;
        try {
            connection = config(options).createConnection("jdbc:sqlite:" + name);
        } catch (SQLException e) {
            throw new StoreException("Relay store " + name + ": opening failed: " + e.getMessage(), e);
        }
        SqliteDatabase db = null;
        SqliteCheckpointer checkpointer = null;
        try {
            boolean wal = checkJournalMode(connection, name);
            SqliteSchema.migrate(connection, name);
            db = new SqliteDatabase(name, connection, openConnection(options, name, "reading"));
            if (wal) {
                try (var statement = connection.createStatement()) {
                    statement.execute("PRAGMA wal_autocheckpoint=0"); // SqliteCheckpointer does it off the commit path
                    statement.execute("PRAGMA journal_size_limit=" + SqliteCheckpointer.RESTART_BYTES);
                } catch (SQLException e) {
                    throw new StoreException("Relay store " + name + ": " + e.getMessage(), e);
                }
                checkpointer = new SqliteCheckpointer(name, openConnection(options, name, "checkpoint"), db::restartWal);
            }
            SqliteRelayStore store = new SqliteRelayStore(db, checkpointer);
            LOG.info("Relay store {} open (schema version {})", name, SqliteSchema.CURRENT_VERSION);
            return store;
        } catch (RuntimeException e) {
            if (checkpointer != null) {
                checkpointer.close();
            }
            try {
                if (db != null) {
                    db.close(); // both of its connections
                } else {
                    connection.close();
                }
            } catch (SQLException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A further connection (reads, checkpoints), so that these never wait behind a commit (WAL lets them run beside it). */
    private static Connection openConnection(Options options, String name, String purpose) {
        try {
            return config(options).createConnection("jdbc:sqlite:" + name);
        } catch (SQLException e) {
            throw new StoreException("Relay store " + name + ": opening the " + purpose + " connection failed: "
                    + e.getMessage(), e);
        }
    }

    private static SQLiteConfig config(Options options) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(options.synchronousNormal()
                ? SQLiteConfig.SynchronousMode.NORMAL
                : SQLiteConfig.SynchronousMode.FULL);
        config.setBusyTimeout((int) options.busyTimeout().toMillis());
        config.enforceForeignKeys(true);
        // Take the write lock at BEGIN: a deferred transaction that later upgrades can fail with SQLITE_BUSY mid-way.
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        return config;
    }

    private static boolean checkJournalMode(Connection connection, String name) {
        try (var statement = connection.createStatement();
                var rs = statement.executeQuery("PRAGMA journal_mode")) {
            String mode = rs.next() ? rs.getString(1) : "";
            if (!"wal".equalsIgnoreCase(mode)) {
                // Happens on file systems without shared memory support (some network mounts); still correct, just slower.
                LOG.warn("Relay store {}: WAL journal not available, running with journal_mode={}", name, mode);
                return false;
            }
            return true;
        } catch (SQLException e) {
            throw new StoreException("Relay store " + name + ": reading the journal mode failed: " + e.getMessage(), e);
        }
    }

    // ---- replay cache ----

    @Override
    public boolean rememberNonce(String keyId, String nonce, long expiresAtMs) {
        return identities.rememberNonce(required(keyId, "keyId"), required(nonce, "nonce"), expiresAtMs);
    }

    @Override
    public int pruneNonces(long nowMs) {
        return identities.pruneNonces(nowMs);
    }

    // ---- presence ----

    @Override
    public boolean recordConnected(String keyId, long atMs) {
        return identities.recordConnected(required(keyId, "keyId"), atMs);
    }

    @Override
    public void recordDisconnected(String keyId, long atMs) {
        identities.recordDisconnected(required(keyId, "keyId"), atMs);
    }

    @Override
    public Optional<Presence> presence(String keyId) {
        return identities.presence(required(keyId, "keyId"));
    }

    @Override
    public void resetPresence(long nowMs) {
        identities.resetPresence(nowMs);
    }

    // ---- policies ----

    @Override
    public Optional<PolicyRecord> policy(String keyId) {
        return identities.policy(required(keyId, "keyId"));
    }

    @Override
    public void savePolicy(String keyId, PolicyRecord policy) {
        identities.savePolicy(required(keyId, "keyId"), required(policy, "policy"));
    }

    // ---- directory ----

    @Override
    public void saveCard(CardRecord card) {
        directory.saveCard(required(card, "card"));
    }

    @Override
    public Optional<CardRecord> card(String keyId) {
        return directory.card(required(keyId, "keyId"));
    }

    @Override
    public List<CardRecord> searchPublicCards(CardQuery query) {
        return directory.searchPublicCards(required(query, "query"));
    }

    // ---- messages ----

    @Override
    public boolean recordMessage(MessageRecord message) {
        return messages.recordMessage(required(message, "message"));
    }

    @Override
    public Optional<MessageRecord> message(String sender, String messageId) {
        return messages.message(required(sender, "sender"), required(messageId, "messageId"));
    }

    @Override
    public boolean transitionDeliveryState(String sender, String messageId, DeliveryState from, DeliveryState to) {
        return messages.transitionDeliveryState(required(sender, "sender"), required(messageId, "messageId"),
                required(from, "from"), required(to, "to"));
    }

    @Override
    public boolean markDelivered(String sender, String messageId, AuditEvent audit) {
        required(sender, "sender");
        required(messageId, "messageId");
        required(audit, "audit");
        return db.write("recording a delivery", () -> {
            if (!messages.transitionDeliveryState(sender, messageId, DeliveryState.SENT, DeliveryState.DELIVERED)) {
                return false;
            }
            auditLog.append(audit);
            return true;
        });
    }

    @Override
    public boolean acceptMessage(MessageRecord message, AuditEvent audit, byte[] parkEnvelope) {
        required(message, "message");
        required(audit, "audit");
        return db.write("accepting a message", () -> {
            if (!messages.recordMessage(message)) {
                return false;
            }
            auditLog.append(audit);
            if (parkEnvelope != null) {
                parking.park(message.recipient(), parkEnvelope, message.expiresAtMs());
            }
            return true;
        });
    }

    @Override
    public List<MessageRecord> threadHistory(String threadId, String participant, HistoryCursor before, int limit) {
        return messages.threadHistory(required(threadId, "threadId"), required(participant, "participant"), before,
                positive(limit, "limit"));
    }

    @Override
    public List<MessageRecord> markExpired(long nowMs, int max) {
        return messages.markExpired(nowMs, positive(max, "max"));
    }

    @Override
    public int deleteExpiredMessages(long nowMs) {
        return messages.deleteExpiredMessages(nowMs);
    }

    // ---- parked messages ----

    @Override
    public long park(String recipient, byte[] envelope, long expiresAtMs) {
        return parking.park(required(recipient, "recipient"), required(envelope, "envelope"), expiresAtMs);
    }

    @Override
    public int parkedCount(String recipient, long nowMs) {
        return parking.parkedCount(required(recipient, "recipient"), nowMs);
    }

    @Override
    public List<ParkedMessage> parked(String recipient, long nowMs, int limit) {
        return parking.parked(required(recipient, "recipient"), nowMs, positive(limit, "limit"));
    }

    @Override
    public void removeParked(List<Long> seqs) {
        parking.removeParked(List.copyOf(required(seqs, "seqs")));
    }

    @Override
    public int deleteExpiredParked(long nowMs) {
        return parking.deleteExpiredParked(nowMs);
    }

    // ---- audit ----

    @Override
    public AuditRecord appendAudit(AuditEvent event) {
        return auditLog.append(required(event, "event"));
    }

    @Override
    public List<AuditRecord> audit(long fromSeq, int limit) {
        return auditLog.audit(fromSeq, positive(limit, "limit"));
    }

    @Override
    public AuditVerification verifyAuditChain() {
        return auditLog.verify();
    }

    @Override
    public void close() {
        if (checkpointer != null) {
            checkpointer.close();
        }
        db.close();
    }

    private static <T> T required(T value, String name) {
        return Objects.requireNonNull(value, name);
    }

    private static int positive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
        return value;
    }
}
