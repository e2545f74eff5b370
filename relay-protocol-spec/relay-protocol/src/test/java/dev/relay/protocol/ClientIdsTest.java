package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClientIdsTest {
    private static final String KEY = TestKeys.RFC1_KEY_ID;

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("the key id", KEY, KEY),
                Arguments.of("empty -> key id", "", KEY),
                Arguments.of("null -> key id", null, KEY),
                Arguments.of("1-char suffix", KEY + ".a", KEY + ".a"),
                Arguments.of("20-char suffix", KEY + "." + "x".repeat(20), KEY + "." + "x".repeat(20)),
                Arguments.of("suffix with every char class", KEY + ".Az09_-", KEY + ".Az09_-"),
                Arguments.of("suffix '-'", KEY + ".-", KEY + ".-"),
                Arguments.of("suffix '_'", KEY + "._", KEY + "._"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void resolvesValidClientIds(String name, String clientId, String expected) throws RelayException {
        assertThat(ClientIds.resolve(clientId, TestKeys.alice().keyId())).isEqualTo(expected);
    }

    static Stream<Arguments> refused() {
        String bob = TestKeys.bob().keyId().toString();
        return Stream.of(
                Arguments.of("another key's id", bob),
                Arguments.of("another key's id with suffix", bob + ".phone"),
                Arguments.of("key id + x", KEY + "x"),
                Arguments.of("key id + _suffix (no dot)", KEY + "_phone"),
                Arguments.of("key id + '.' and empty suffix", KEY + "."),
                Arguments.of("21-char suffix", KEY + "." + "x".repeat(21)),
                Arguments.of("suffix with a dot", KEY + ".a.b"),
                Arguments.of("two dots", KEY + ".."),
                Arguments.of("suffix with a space", KEY + ".a b"),
                Arguments.of("suffix with a slash", KEY + ".a/b"),
                Arguments.of("suffix with '+'", KEY + ".a+b"),
                Arguments.of("suffix with '#'", KEY + ".#"),
                Arguments.of("suffix with non-ASCII", KEY + ".é"),
                Arguments.of("suffix with a newline", KEY + ".a\n"),
                Arguments.of("key id truncated", KEY.substring(0, 42)),
                Arguments.of("key id prefix + suffix", KEY.substring(0, 42) + ".a"),
                Arguments.of("suffix first", "a." + KEY),
                Arguments.of("did:key", TestKeys.RFC1_DID),
                Arguments.of("upper-cased key id", KEY.toUpperCase()),
                Arguments.of("leading space", " " + KEY),
                Arguments.of("random mqtt client id", "mqttx_1234"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void refusesOtherClientIds(String name, String clientId) {
        assertThatThrownBy(() -> ClientIds.resolve(clientId, TestKeys.alice().keyId()))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_CLIENT_ID));
    }
}
