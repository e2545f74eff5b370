package dev.relay.cli;

import dev.relay.protocol.KeyId;
import dev.relay.protocol.RelayException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A key id (43 characters of base64url) or its {@code did:key:z6Mk...} form. */
final class KeyIdConverter implements ITypeConverter<KeyId> {
    @Override
    public KeyId convert(String value) {
        try {
            return value.startsWith("did:key:") ? KeyId.fromDidKey(value) : KeyId.parse(value);
        } catch (RelayException e) {
            throw new TypeConversionException("'" + value + "' is not a key id or did:key (" + e.getMessage() + ")");
        }
    }
}
