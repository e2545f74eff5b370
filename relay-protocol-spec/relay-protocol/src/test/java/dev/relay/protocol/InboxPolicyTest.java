package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class InboxPolicyTest {
    private static final String SENDER = TestKeys.bob().keyId().toString();
    private static final String SOMEONE = TestKeys.mallory().keyId().toString();

    private static InboxPolicy policy(PolicyMode mode, String membership) {
        Set<String> allow = membership.contains("allow") ? Set.of(SENDER, SOMEONE) : Set.of(SOMEONE);
        Set<String> block = membership.contains("block") ? Set.of(SENDER, SOMEONE) : Set.of(SOMEONE);
        return new InboxPolicy(mode, allow, block);
    }

    /** Step 4 of the decision: no override applies. */
    @ParameterizedTest(name = "{0}, sender in {1} -> {2}")
    @CsvSource({
            "OPEN, neither, true",
            "OPEN, allow, true",
            "OPEN, block, true",
            "OPEN, allow+block, true",
            "CLOSED, neither, false",
            "CLOSED, allow, false",
            "CLOSED, block, false",
            "CLOSED, allow+block, false",
            "ALLOWLIST, neither, false",
            "ALLOWLIST, allow, true",
            "ALLOWLIST, block, false",
            "ALLOWLIST, allow+block, true",
            "BLOCKLIST, neither, true",
            "BLOCKLIST, allow, true",
            "BLOCKLIST, block, false",
            "BLOCKLIST, allow+block, false",
    })
    void modeDecidesWhenNoOverrideApplies(PolicyMode mode, String membership, boolean expected) {
        assertThat(policy(mode, membership).admits(SENDER, false, false, false)).isEqualTo(expected);
    }

    /** Steps 1..3: owner, relay key and live replies are admitted whatever the mode and lists say. */
    static Stream<Arguments> overrides() {
        List<Arguments> out = new ArrayList<>();
        for (PolicyMode mode : PolicyMode.values()) {
            for (String membership : List.of("neither", "allow", "block", "allow+block")) {
                out.add(Arguments.of(mode, membership, "owner", true, false, false));
                out.add(Arguments.of(mode, membership, "relay", false, true, false));
                out.add(Arguments.of(mode, membership, "reply", false, false, true));
                out.add(Arguments.of(mode, membership, "all three", true, true, true));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, sender in {1}, {2} -> admitted")
    @MethodSource("overrides")
    void overridesAlwaysAdmit(PolicyMode mode, String membership, String why, boolean owner, boolean relay, boolean reply) {
        assertThat(policy(mode, membership).admits(SENDER, owner, relay, reply)).isTrue();
    }

    @Test
    void defaultPolicyIsAnEmptyBlocklist() {
        InboxPolicy policy = InboxPolicy.defaultPolicy();
        assertThat(policy.mode()).isEqualTo(PolicyMode.BLOCKLIST);
        assertThat(policy.allow()).isEmpty();
        assertThat(policy.block()).isEmpty();
        assertThat(policy.admits(SENDER, false, false, false)).isTrue();
    }

    @Test
    void listsAreImmutableCopies() {
        java.util.HashSet<String> allow = new java.util.HashSet<>(Set.of(SENDER));
        InboxPolicy policy = new InboxPolicy(PolicyMode.ALLOWLIST, allow, Set.of());
        allow.clear();
        assertThat(policy.admits(SENDER, false, false, false)).isTrue();
        assertThatThrownBy(() -> policy.allow().add(SOMEONE)).isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"open, OPEN", "closed, CLOSED", "allowlist, ALLOWLIST", "blocklist, BLOCKLIST"})
    void modeWireNames(String wire, PolicyMode mode) throws RelayException {
        assertThat(PolicyMode.fromWire(wire)).isEqualTo(mode);
        assertThat(mode.wireName()).isEqualTo(wire);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource({"OPEN", "Open", "allow", "block", "'', ", "denylist"})
    void unknownModesAreMalformed(String wire) {
        assertThatThrownBy(() -> PolicyMode.fromWire(wire))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    private static List<String> keys(int count) {
        SecureRandom random = new SecureRandom();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(RelayKeyPair.generate(random).keyId().toString());
        }
        return out;
    }

    @Test
    void validListAcceptsUpTo1000KeysAndDeduplicates() throws RelayException {
        List<String> thousand = keys(1000);
        assertThat(InboxPolicy.validList(thousand, "allow")).hasSize(1000).containsExactlyElementsOf(thousand);
        assertThat(InboxPolicy.validList(List.of(SENDER, SENDER), "allow")).containsExactly(SENDER);
        assertThat(InboxPolicy.validList(List.of(), "allow")).isEmpty();
    }

    @Test
    void validListRejects1001Keys() {
        List<String> tooMany = keys(1001);
        assertThatThrownBy(() -> InboxPolicy.validList(tooMany, "block"))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.TOO_LARGE);
                    assertThat(e.getMessage()).contains("block");
                });
    }

    static Stream<Arguments> badListEntries() {
        return Stream.of(
                Arguments.of("empty", ""),
                Arguments.of("42 chars", SENDER.substring(1)),
                Arguments.of("44 chars", SENDER + "A"),
                Arguments.of("non-canonical", TestKeys.bumpBase64Char(SENDER, 42)),
                Arguments.of("did:key", TestKeys.RFC1_DID),
                Arguments.of("sys", "sys"),
                Arguments.of("padding", SENDER.substring(0, 42) + "="),
                Arguments.of("null", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badListEntries")
    void validListRejectsBadKeyIds(String name, String bad) {
        List<String> list = new ArrayList<>();
        list.add(SENDER);
        list.add(bad);
        assertThatThrownBy(() -> InboxPolicy.validList(list, "allow"))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }
}
