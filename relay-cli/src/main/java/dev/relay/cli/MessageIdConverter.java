package dev.relay.cli;

import dev.relay.protocol.MessageId;
import dev.relay.protocol.RelayException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A message or thread id (SPEC §3.2: 22 chars of base64url), checked before anything is sent. */
final class MessageIdConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        try {
            return MessageId.requireValid(value, "'" + value + "'");
        } catch (RelayException e) {
            throw new TypeConversionException(e.getMessage() + ", like the ids 'relay send' prints");
        }
    }
}
