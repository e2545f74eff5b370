package dev.relay.store;

/**
  * Unchecked failure of a {@link RelayStore}. The message names the store (file or database) and the operation, so an
  * operator can act on it without a stack trace.
  */
public class StoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
