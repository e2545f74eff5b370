package dev.relay.cli;

import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A key id (43 characters of base64url) or its {@code did:key:z6Mk...} form. */
final class KeyIdConverter implements ITypeConverter<KeyId> {
    /**
     * One key id in 64 starts with {@code -}, and the parser would read it as an option (or, after {@code -k}, as the
     * key file option with a value): such arguments, alone or in a comma list, are passed on in their did:key form,
     * which means the same key and cannot look like an option.
     */
    static String[] shieldKeyIdsThatLookLikeOptions(String[] args) {
        String[] shielded = args.clone();
        for (int i = 0; i < shielded.length; i++) {
            String arg = shielded[i];
            if (arg.startsWith("-") && !arg.startsWith("--")) {
                String[] parts = arg.split(",", -1);
                try {
                    for (int p = 0; p < parts.length; p++) {
                        parts[p] = parts[p].startsWith("-") ? KeyId.parse(parts[p]).didKey() : parts[p];
                    }
                    shielded[i] = String.join(",", parts);
                } catch (RelayException notAKeyId) {
                    // an option (or a mistake the parser reports): left as it is
                }
            }
        }
        return shielded;
    }

    @Override
    public KeyId convert(String value) {
        try {
            return value.startsWith("did:key:") ? KeyId.fromDidKey(value) : KeyId.parse(value);
        } catch (RelayException e) {
            throw new TypeConversionException("'" + value + "' is not a key id or did:key (" + e.getMessage() + ")");
        }
    }
}
