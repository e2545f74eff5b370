package dev.relay.gateway;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.ErrorMapping;

/**
 * What one WebSocket client may send, and how long it may stay silent (SPEC §13.2, §13.5): the frame size, frames per
 * second (one {@code rate_limited} error a second, a close after a flood), bad frames, the auth timeout and the idle
 * timeout. Not thread-safe: every call is made under the lock of the {@link ClientConnection} it closes.
 */
final class ClientLimits {
    private static final long ONE_SECOND = 1_000_000_000L;

    private final ClientConnection connection;
    private final GatewayConfig config;
    private final GatewayMetrics metrics;
    private final long openedNanos;
    private final RateBucket frameBudget;
    private long lastHeardNanos;
    private int badFrames;
    private int refusedInARow;
    private long lastRateErrorNanos;

    ClientLimits(ClientConnection connection, GatewayConfig config, GatewayMetrics metrics, long nowNanos) {
        this.connection = connection;
        this.config = config;
        this.metrics = metrics;
        this.openedNanos = nowNanos;
        this.lastHeardNanos = nowNanos;
        this.frameBudget = new RateBucket(config.frameBurst, config.framesPerSecond, nowNanos);
    }

    /** Something came from the client (any frame, a pong): it is not idle. */
    void heard(long nowNanos) {
        lastHeardNanos = nowNanos;
    }

    /**
     * Whether a text frame may be read. If not, the connection was closed ({@code 1009} too large, {@code 1008} after a
     * flood) or the frame is dropped over the frame rate, with at most one {@code rate_limited} error a second.
     */
    boolean admit(String text, long nowNanos) {
        heard(nowNanos);
        int max = config.maxFrameBytes;
        if (text.length() > max || text.length() * 3L > max && ServerFrames.utf8Length(text) > max) {
            // Tyrus checks the size of fragmented messages only; a single big frame is refused here.
            metrics.refused(ErrorCode.TOO_LARGE.code());
            connection.close(1009, "too_large: frame larger than " + max + " bytes");
            return false;
        }
        if (frameBudget.tryTake(nowNanos)) {
            refusedInARow = 0;
            return true;
        }
        refusedInARow++;
        metrics.refused(ErrorCode.RATE_LIMITED.code());
        if (refusedInARow >= config.maxRefusedFramesInARow) {
            connection.close(1008, "frame flood");
        } else if (nowNanos - lastRateErrorNanos >= ONE_SECOND) {
            lastRateErrorNanos = nowNanos;
            long retry = frameBudget.secondsUntilToken(nowNanos);
            connection.send(ServerFrames.error(ErrorCode.RATE_LIMITED.code(), ErrorMapping.retryAfterText(retry,
                    "more than " + config.framesPerSecond + " frames per second"), null, null, retry));
        }
        return false;
    }

    /** One more {@code bad_frame} or {@code unknown_frame}: after {@code max_bad_frames} the connection closes. */
    void badFrame() {
        if (++badFrames >= config.maxBadFrames) {
            connection.close(1008, badFrames + " bad frames");
        }
    }

    /** Closes the connection ({@code 4408}) if it waited too long for {@code auth} or heard nothing for too long. */
    boolean closedForSilence(ClientConnection.State state, long nowNanos) {
        if (state == ClientConnection.State.AWAIT_AUTH && nowNanos - openedNanos > config.authTimeout.toNanos()) {
            connection.close(4408, "idle_timeout: no auth frame within " + config.authTimeout.toSeconds() + " s");
            return true;
        }
        if (state == ClientConnection.State.OPEN && nowNanos - lastHeardNanos > config.idleTimeout.toNanos()) {
            connection.close(4408, "idle_timeout: nothing heard for " + config.idleTimeout.toSeconds() + " s");
            return true;
        }
        return false;
    }
}
