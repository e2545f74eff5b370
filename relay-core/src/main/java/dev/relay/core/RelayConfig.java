package dev.relay.core;

import dev.relay.protocol.InboxPolicy;
import dev.relay.protocol.PolicyMode;
import dev.relay.protocol.Realm;
import dev.relay.protocol.RelayException;
import dev.relay.protocol.Ttl;
import dev.relay.store.StoreSettings;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Operator settings of the engine. Every adapter reads the same keys (from the HiveMQ extension folder or Artemis'
 * broker.xml plugin properties), so one relay behaves the same on every broker. The gateway has settings of its own
 * ({@code GatewayConfig}): it is a client of the broker, not a user of the engine.
 * Bad values fail at startup with a {@link RelayConfigException} naming the key.
 */
public record RelayConfig(
        String realm,
        Path dataDir,
        long tokenWindowSeconds,
        long maxTtlSeconds,
        long maxClockSkewSeconds,
        PolicyMode defaultPolicyMode,
        int sendsPerMinute,
        int sendBurst,
        boolean allowOutsideNamespace,
        int maxParkedPerRecipient,
        String store,
        Map<String, String> storeProperties) {

    public static final String REALM = "relay.realm";
    public static final String DATA_DIR = "relay.data-dir";
    public static final String TOKEN_WINDOW = "relay.token.window-seconds";
    public static final String MAX_TTL = "relay.ttl.max-seconds";
    public static final String MAX_CLOCK_SKEW = "relay.clock.max-skew-seconds";
    public static final String DEFAULT_POLICY = "relay.policy.default";
    public static final String SENDS_PER_MINUTE = "relay.rate.sends-per-minute";
    public static final String SEND_BURST = "relay.rate.burst";
    public static final String ALLOW_OUTSIDE_NAMESPACE = "relay.namespace.allow-outside";
    public static final String MAX_PARKED = "relay.parking.max-per-recipient";
    /** Which store keeps the relay's state, by its factory's name; its own settings are {@code relay.store.*}. */
    public static final String STORE = "relay.store";
    public static final String DEFAULT_STORE = "sqlite";
    private static final Set<String> KEYS = Set.of(REALM, DATA_DIR, TOKEN_WINDOW, MAX_TTL, MAX_CLOCK_SKEW,
            DEFAULT_POLICY, SENDS_PER_MINUTE, SEND_BURST, ALLOW_OUTSIDE_NAMESPACE, MAX_PARKED, STORE);

    public RelayConfig {
        try {
            Realm.requireValid(realm);
        } catch (RelayException e) {
            throw new RelayConfigException(REALM, realm, e.getMessage());
        }
        if (dataDir == null) {
            throw new RelayConfigException(DATA_DIR, null, "a data folder is required");
        }
        requireRange(TOKEN_WINDOW, tokenWindowSeconds, 5, 3600);
        requireRange(MAX_TTL, maxTtlSeconds, Ttl.MIN_SECONDS, Ttl.MAX_SECONDS);
        requireRange(MAX_CLOCK_SKEW, maxClockSkewSeconds, 0, 3600);
        requireRange(SENDS_PER_MINUTE, sendsPerMinute, 1, 10_000_000);
        requireRange(SEND_BURST, sendBurst, 1, 10_000_000);
        requireRange(MAX_PARKED, maxParkedPerRecipient, 1, 10_000_000);
        if (defaultPolicyMode == null) {
            throw new RelayConfigException(DEFAULT_POLICY, null, "a default policy mode is required");
        }
        if (store == null || store.isBlank()) {
            throw new RelayConfigException(STORE, store, "a store name is required, e.g. " + DEFAULT_STORE);
        }
        store = store.trim().toLowerCase(Locale.ROOT);
        // The store reads (and refuses) its own settings when it opens: it alone knows them.
        storeProperties = new StoreSettings(dataDir, Objects.requireNonNull(storeProperties, "storeProperties"))
                .properties();
    }

    /** With the default store and its default settings. */
    public RelayConfig(String realm, Path dataDir, long tokenWindowSeconds, long maxTtlSeconds, long maxClockSkewSeconds,
                       PolicyMode defaultPolicyMode, int sendsPerMinute, int sendBurst, boolean allowOutsideNamespace,
                       int maxParkedPerRecipient) {
        this(realm, dataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds, defaultPolicyMode, sendsPerMinute,
                sendBurst, allowOutsideNamespace, maxParkedPerRecipient, DEFAULT_STORE, Map.of());
    }

    /** Defaults of SPEC v1 for {@code realm}, data in {@code dataDir}. */
    public static RelayConfig defaults(String realm, Path dataDir) {
        return new RelayConfig(realm, dataDir, 120, Ttl.MAX_SECONDS, 300, PolicyMode.BLOCKLIST, 30, 30, false, 1000);
    }

    /**
     * Reads settings from string properties (keys as the constants above). {@value #REALM} is required; other missing
     * keys keep their defaults, except that the burst follows {@value #SENDS_PER_MINUTE} when only that is set.
     * Unknown {@code relay.*} keys are refused so that a typo does not silently fall back to a default.
     */
    public static RelayConfig fromProperties(Map<String, String> properties, Path defaultDataDir) {
        Set<String> unknown = new TreeSet<>();
        properties.keySet().stream().filter(k -> k.startsWith("relay.") && !KEYS.contains(k) && !isStoreSetting(k))
                .forEach(unknown::add);
        if (!unknown.isEmpty()) {
            String first = unknown.iterator().next();
            throw new RelayConfigException(first, properties.get(first), "unknown setting; known settings are "
                    + new TreeSet<>(KEYS));
        }
        if (!properties.containsKey(REALM)) {
            // No default on purpose: the realm is what makes a token useless at any other relay (SPEC §2.3).
            throw new RelayConfigException(REALM, null, "required; name this relay, e.g. relay.realm=home-lab");
        }
        Path dataDir = properties.containsKey(DATA_DIR) ? Path.of(properties.get(DATA_DIR)) : defaultDataDir;
        RelayConfig d = defaults(properties.get(REALM), dataDir);
        int sendsPerMinute = intNumber(properties, SENDS_PER_MINUTE, d.sendsPerMinute);
        return new RelayConfig(
                d.realm,
                d.dataDir,
                number(properties, TOKEN_WINDOW, d.tokenWindowSeconds),
                number(properties, MAX_TTL, d.maxTtlSeconds),
                number(properties, MAX_CLOCK_SKEW, d.maxClockSkewSeconds),
                mode(properties, d.defaultPolicyMode),
                sendsPerMinute,
                intNumber(properties, SEND_BURST, properties.containsKey(SENDS_PER_MINUTE) ? sendsPerMinute : d.sendBurst),
                bool(properties, ALLOW_OUTSIDE_NAMESPACE, d.allowOutsideNamespace),
                intNumber(properties, MAX_PARKED, d.maxParkedPerRecipient),
                properties.getOrDefault(STORE, d.store),
                storeProperties(properties));
    }

    private static boolean isStoreSetting(String key) {
        return key.startsWith(StoreSettings.PREFIX);
    }

    private static Map<String, String> storeProperties(Map<String, String> properties) {
        Map<String, String> store = new TreeMap<>();
        properties.forEach((key, value) -> {
            if (isStoreSetting(key)) {
                store.put(key, value);
            }
        });
        return store;
    }

    /** What the store opens with: the data folder and the {@code relay.store.*} settings. */
    public StoreSettings storeSettings() {
        return new StoreSettings(dataDir, storeProperties);
    }

    /** With another store and its settings ({@code relay.store.*} keys). */
    public RelayConfig withStore(String newStore, Map<String, String> newStoreProperties) {
        return new RelayConfig(realm, dataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds,
                defaultPolicyMode, sendsPerMinute, sendBurst, allowOutsideNamespace, maxParkedPerRecipient, newStore,
                newStoreProperties);
    }

    public InboxPolicy defaultPolicy() {
        return InboxPolicy.of(defaultPolicyMode);
    }

    public RelayConfig withDataDir(Path newDataDir) {
        return new RelayConfig(realm, newDataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds,
                defaultPolicyMode, sendsPerMinute, sendBurst, allowOutsideNamespace, maxParkedPerRecipient, store,
                storeProperties);
    }

    public RelayConfig withRealm(String newRealm) {
        return new RelayConfig(newRealm, dataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds,
                defaultPolicyMode, sendsPerMinute, sendBurst, allowOutsideNamespace, maxParkedPerRecipient, store,
                storeProperties);
    }

    public RelayConfig withRate(int perMinute, int burst) {
        return new RelayConfig(realm, dataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds,
                defaultPolicyMode, perMinute, burst, allowOutsideNamespace, maxParkedPerRecipient, store,
                storeProperties);
    }

    public RelayConfig withDefaultPolicy(PolicyMode mode) {
        return new RelayConfig(realm, dataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds, mode,
                sendsPerMinute, sendBurst, allowOutsideNamespace, maxParkedPerRecipient, store,
                storeProperties);
    }

    public RelayConfig withAllowOutsideNamespace(boolean allow) {
        return new RelayConfig(realm, dataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds,
                defaultPolicyMode, sendsPerMinute, sendBurst, allow, maxParkedPerRecipient, store,
                storeProperties);
    }

    public RelayConfig withMaxParkedPerRecipient(int max) {
        return new RelayConfig(realm, dataDir, tokenWindowSeconds, maxTtlSeconds, maxClockSkewSeconds,
                defaultPolicyMode, sendsPerMinute, sendBurst, allowOutsideNamespace, max, store, storeProperties);
    }

    private static void requireRange(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new RelayConfigException(key, Long.toString(value), "must be between " + min + " and " + max);
        }
    }

    private static long number(Map<String, String> properties, String key, long fallback) {
        String value = properties.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new RelayConfigException(key, value, "must be a whole number");
        }
    }

    /** A number for an int setting: refused (not wrapped) beyond the int range; the constructor checks the rest. */
    private static int intNumber(Map<String, String> properties, String key, long fallback) {
        long value = number(properties, key, fallback);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new RelayConfigException(key, properties.getOrDefault(key, Long.toString(value)), "number out of range");
        }
        return (int) value;
    }

    private static boolean bool(Map<String, String> properties, String key, boolean fallback) {
        String value = properties.get(key);
        if (value == null) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new RelayConfigException(key, value, "must be true or false");
        };
    }

    private static PolicyMode mode(Map<String, String> properties, PolicyMode fallback) {
        String value = properties.get(DEFAULT_POLICY);
        if (value == null) {
            return fallback;
        }
        try {
            return PolicyMode.fromWire(value.trim());
        } catch (RelayException e) {
            throw new RelayConfigException(DEFAULT_POLICY, value, "must be open, closed, allowlist or blocklist");
        }
    }
}
