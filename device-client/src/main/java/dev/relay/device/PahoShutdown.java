package dev.relay.device;

import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ending a Paho client, the same for its v3 and v5 flavours: a clean DISCONNECT if it is still connected (so the broker
 * keeps the session and drops no will), a forced one if that fails, then releasing its threads. Nothing here may
 * throw: closing happens on error paths.
 */
final class PahoShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(PahoShutdown.class);

    /** One Paho call that may throw its MqttException. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private PahoShutdown() {
    }

    static void close(BooleanSupplier connected, Step cleanDisconnect, Step forcedDisconnect, Step release) {
        if (cleanDisconnect != null) {
            attempt(connected, cleanDisconnect, "Clean disconnect");
        }
        attempt(connected, forcedDisconnect, "Forced disconnect");
        try {
            release.run();
        } catch (Exception e) {
            LOG.debug("Releasing the Paho client failed (already closed): {}", e.toString());
        }
    }

    private static void attempt(BooleanSupplier connected, Step step, String what) {
        try {
            if (connected.getAsBoolean()) {
                step.run();
            }
        } catch (Exception e) {
            LOG.debug("{} failed (connection already gone): {}", what, e.toString());
        }
    }
}
