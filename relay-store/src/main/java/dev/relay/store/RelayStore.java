package dev.relay.store;

import java.util.List;
import java.util.Optional;

/**
  * Persistent state of a relay: replay cache, presence, inbox policies, directory cards, message records, parked
  * messages and the audit log.
  *
  * <p>The SPI speaks plain values only (no protocol types, no SQL dialect), so the embedded SQLite store and a later
  * PostgreSQL store for clusters can implement it alike. Times are epoch milliseconds supplied by the caller: the store
  * never reads a clock, which keeps it deterministic and leaves clock policy to the engine. Implementations are
  * thread-safe. Failures surface as {@link StoreException}.
  */
public interface RelayStore extends AutoCloseable {

    // ---- replay cache -------------------------------------------------------------------------------------------

    /**
      * Remembers a connect-token nonce. Atomic check-and-insert, so two nodes racing on the same token cannot both win.
      *
      * @return true if (keyId, nonce) was not seen before (it is now remembered until {@code expiresAtMs}); false if it
      *     was. An entry counts as seen until {@link #pruneNonces} removes it, which errs on the side of refusing a replay.
      */
    boolean rememberNonce(String keyId, String nonce, long expiresAtMs);

    /** Forgets nonces whose expiry is at or before {@code nowMs}; returns how many. */
    int pruneNonces(long nowMs);

    // ---- identities and presence --------------------------------------------------------------------------------

    /**
      * Records a new session of {@code keyId}: creates the identity on first sight (first seen = {@code atMs}), counts the
      * session, marks it online. Sessions are counted because one identity may connect several times at once (devices,
      * gateway and MQTT); it stays online until the last one ends.
      *
      * @return true if this created the identity (its first connect ever), decided atomically with the insert so that
      *     of two racing first sessions exactly one sees true
      */
    boolean recordConnected(String keyId, long atMs);

    /** Records the end of one session; the identity goes offline when none is left. Unknown identities are ignored. */
    void recordDisconnected(String keyId, long atMs);

    /** Presence of an identity, empty if it never connected. */
    Optional<Presence> presence(String keyId);

    /**
      * Marks every identity offline, at broker start: sessions of a previous run are gone and will never report their
      * disconnect. Identities that were online get last seen = {@code nowMs}, the latest moment they might have been.
      */
    void resetPresence(long nowMs);

    // ---- inbox policies -----------------------------------------------------------------------------------------

    /** The stored policy of an identity; empty means the operator default applies. */
    Optional<PolicyRecord> policy(String keyId);

    /** Replaces the policy of an identity (mode and both lists) atomically. */
    void savePolicy(String keyId, PolicyRecord policy);

    // ---- directory ----------------------------------------------------------------------------------------------

    /** Creates or replaces the card of {@code card.keyId()}. */
    void saveCard(CardRecord card);

    /** The card of an identity, public or private (the engine decides who may see it). */
    Optional<CardRecord> card(String keyId);

    /**
      * Public cards matching all given criteria, ordered by key id (binary order), starting after
      * {@code query.afterKeyId()}. Private cards are never returned: this is the only directory read without an owner
      * check.
      */
    List<CardRecord> searchPublicCards(CardQuery query);

    // ---- messages -----------------------------------------------------------------------------------------------

    /**
      * Records an accepted message. The key (sender, messageId) is the deduplication key of the protocol.
      *
      * @return true if inserted, false if a message with that key exists (a duplicate, even if expired but not deleted)
      */
    boolean recordMessage(MessageRecord message);

    /** The recorded message, if any. */
    Optional<MessageRecord> message(String sender, String messageId);

    /**
      * Moves a message from state {@code from} to {@code to} atomically (compare and set), so that two reports of one
      * delivery (a receipt and the broker's acknowledgement) change it once. False if the message is unknown or not in
      * {@code from}.
      */
    boolean transitionDeliveryState(String sender, String messageId, DeliveryState from, DeliveryState to);

    /**
      * Moves a message from {@code sent} to {@code delivered} and appends {@code audit}, in one transaction; nothing is
      * written (false) if the message is unknown or not in {@code sent}, so a redelivery is audited once.
      */
    boolean markDelivered(String sender, String messageId, AuditEvent audit);

    /**
      * Accepts a message in one transaction: its record, its audit record and, when {@code parkEnvelope} is not null,
      * its parked copy for {@code message.recipient()}. All or nothing, so a failure leaves no record that would make
      * the sender's retry look like a duplicate. Returns false, writing nothing, if (sender, messageId) exists.
      */
    boolean acceptMessage(MessageRecord message, AuditEvent audit, byte[] parkEnvelope);

    /**
      * One page of a thread, newest first in (tsMs, sender, messageId) order, holding only messages that
      * {@code participant} sent or received, so a non-participant learns nothing. Expired-but-not-deleted messages are
      * included; filtering them is the engine's call.
      *
      * @param before cursor: only messages strictly older than it; null for the newest page
      * @param limit  maximum number of messages, at least 1
      */
    List<MessageRecord> threadHistory(String threadId, String participant, HistoryCursor before, int limit);

    /**
      * Sets state EXPIRED on up to {@code max} messages still in state SENT whose expiry is at or before {@code nowMs},
      * oldest expiry first, and returns them (with the new state) so the engine can audit and notify. Bounded so a large
      * backlog is worked off in small transactions.
      */
    List<MessageRecord> markExpired(long nowMs, int max);

    /** Deletes messages whose expiry is at or before {@code nowMs}, whatever their state; returns how many. */
    int deleteExpiredMessages(long nowMs);

    // ---- parked messages ----------------------------------------------------------------------------------------

    /**
      * Holds an envelope for a recipient the broker cannot queue for (never connected, session expired).
      *
      * @return a sequence number, increasing across the whole store and never reused, so delivery keeps arrival order
      */
    long park(String recipient, byte[] envelope, long expiresAtMs);

    /** Number of unexpired parked messages for a recipient (for per-recipient quotas). */
    int parkedCount(String recipient, long nowMs);

    /** Up to {@code limit} unexpired parked messages for a recipient, oldest first. */
    List<ParkedMessage> parked(String recipient, long nowMs, int limit);

    /** Removes parked messages by seq, e.g. after they were handed to the broker. Unknown seqs are ignored. */
    void removeParked(List<Long> seqs);

    /** Deletes parked messages whose expiry is at or before {@code nowMs}; returns how many. */
    int deleteExpiredParked(long nowMs);

    // ---- audit log ----------------------------------------------------------------------------------------------

    /**
      * Appends an event to the hash-chained audit log (see {@link AuditChain}): seq is the previous seq + 1 (1 for the
      * first), prevHash the previous record's hash.
      *
      * @return the record as stored
      */
    AuditRecord appendAudit(AuditEvent event);

    /** Up to {@code limit} audit records with seq &gt;= {@code fromSeq}, ascending. */
    List<AuditRecord> audit(long fromSeq, int limit);

    /**
      * Recomputes every hash in seq order and checks the links, seq continuity and the chain head this store wrote;
      * reports the first bad seq and what is wrong with it.
      */
    AuditVerification verifyAuditChain();

    /** Releases the store; later calls fail. Idempotent. */
    @Override
    void close();
}
