package dev.relay.core;

/** A setting an operator must fix before the relay can start; the message names the key and the value. */
public final class RelayConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String key;

    public RelayConfigException(String key, String value, String problem) {
        super("Relay setting " + key + (value == null ? "" : " = '" + value + "'") + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
