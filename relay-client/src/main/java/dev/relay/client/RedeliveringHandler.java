package dev.relay.client;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * The application's handler, with Paho's rule for failures: when it throws, the delivery stays unacknowledged and the
 * client ends its connection, so that the broker delivers the message again on the next one. Without that, HiveMQ
 * (which has one unacknowledged message per session in flight) would hold back every later message behind it until
 * some other reconnect. Counts failures in a row, so the client can keep backing off while a message keeps failing.
 */
public final class RedeliveringHandler implements IncomingHandler {
    /** The reason a client ends its connection after a handler failure. */
    public static final String HANDLER_FAILED = "handler_failed";

    private final IncomingHandler application;
    private final Consumer<String> endConnection;
    private volatile int failuresInARow;

    /**
     * @param application   the application's handler
     * @param endConnection ends the current connection (the client then reconnects); given the reason text
     */
    public RedeliveringHandler(IncomingHandler application, Consumer<String> endConnection) {
        this.application = Objects.requireNonNull(application, "application");
        this.endConnection = Objects.requireNonNull(endConnection, "endConnection");
    }

    @Override
    public void onMessage(Incoming message) throws Exception {
        try {
            application.onMessage(message);
            failuresInARow = 0;
        } catch (Exception | AssertionError failure) {
            failuresInARow++;
            endConnection.accept("the message handler failed on " + message.envelope().id() + " (" + failure + ")");
            throw failure; // the dispatcher leaves it unacknowledged
        }
    }

    /** Whether the last handled message failed: reconnects should not start again from the shortest backoff. */
    public boolean isFailing() {
        return failuresInARow > 0;
    }
}
