package dev.relay.bench;

import java.net.URI;
import java.nio.file.Path;

/** A system under test: a broker in a process of its own, with or without Relay, or an outside peer. */
interface Target extends AutoCloseable {
    /** Short name for tables and charts, e.g. "HiveMQ + Relay". */
    String name();

    /** Whether Relay is inside: clients authenticate with tokens and send signed envelopes to inboxes. */
    boolean relay();

    URI mqtt();

    /** The AMQP 1.0 endpoint (Artemis), else null. */
    default URI amqp() {
        return null;
    }

    /** The realm connect tokens are made for (Relay only). */
    String realm();

    /** The WebSocket gateway (Relay only), else null. */
    URI gateway();

    /** Heap in use after a full GC, in bytes, or -1 where the broker is not a JVM. */
    long heapUsedAfterGc();

    /** The broker's process id. */
    long pid();

    /** The broker's data folder. */
    Path dataFolder();

    /** Resident memory of the broker process, in bytes (from /proc). */
    default long residentBytes() {
        return ProcessMemory.residentBytes(pid());
    }

    /** Bytes in the broker's data folder. */
    default long diskBytes() {
        return ProcessMemory.folderBytes(dataFolder());
    }

    @Override
    void close();
}
