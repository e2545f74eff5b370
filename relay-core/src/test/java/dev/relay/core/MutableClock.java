package dev.relay.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test moves by hand. Thread-safe enough for the engine's reads. */
final class MutableClock extends Clock {
    private volatile long millis;
    private final ZoneId zone;

    MutableClock(Instant start) {
        this(start.toEpochMilli(), ZoneOffset.UTC);
    }

    private MutableClock(long millis, ZoneId zone) {
        this.millis = millis;
        this.zone = zone;
    }

    void advance(Duration by) {
        millis += by.toMillis();
    }

    void advanceSeconds(long seconds) {
        advance(Duration.ofSeconds(seconds));
    }

    void setMillis(long epochMillis) {
        millis = epochMillis;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new MutableClock(millis, newZone);
    }
}
