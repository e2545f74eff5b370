package dev.relay.store;

/**
 * A store setting the operator must fix before the relay can start. Carries the key and value apart, so the engine
 * reports it like any other bad setting.
 */
public final class StoreSettingsException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String value;
    private final String problem;

    public StoreSettingsException(String key, String value, String problem) {
        super("Relay setting " + key + (value == null ? "" : " = '" + value + "'") + ": " + problem);
        this.key = key;
        this.value = value;
        this.problem = problem;
    }

    public String key() {
        return key;
    }

    /** The value as written, null if the setting was missing. */
    public String value() {
        return value;
    }

    public String problem() {
        return problem;
    }
}
