package dev.relay.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AuditChainTest {

    @Test
    void hashFollowsTheDocumentedLayout() throws Exception {
        byte[] prev = new byte[32];
        prev[31] = 7;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(prev);
        out.writeLong(42);
        out.writeLong(1_700_000_000_123L);
        for (String s : new String[] {"message.accepted", "actor-key", "subject-key", "détail ✓"}) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());

        byte[] actual = AuditChain.hash(prev, 42, 1_700_000_000_123L, "message.accepted", "actor-key", "subject-key",
                "détail ✓");

        assertThat(HexFormat.of().formatHex(actual)).isEqualTo(HexFormat.of().formatHex(expected));
    }

    @Test
    void fixedVectorForTheFirstRecord() {
        // Pins the layout (computed independently) so a store in another language can check itself against it.
        byte[] hash = AuditChain.hash(AuditChain.genesisHash(), 1, 1_700_000_000_000L, "relay.start", "relay", "",
                "realm=test");
        assertThat(HexFormat.of().formatHex(hash))
                .isEqualTo("593f455d8d06a7e5931ea97ea176aba6aa2c9d7c717a77e1fca346daa6c42ea4");
    }

    @Test
    void lengthPrefixesSeparateFields() {
        byte[] a = AuditChain.hash(AuditChain.genesisHash(), 1, 0, "ab", "c", "", "");
        byte[] b = AuditChain.hash(AuditChain.genesisHash(), 1, 0, "a", "bc", "", "");
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void everyFieldChangesTheHash() {
        byte[] prev = AuditChain.genesisHash();
        byte[] base = AuditChain.hash(prev, 1, 2, "t", "a", "s", "d");
        byte[] otherPrev = AuditChain.genesisHash();
        otherPrev[0] = 1;
        assertThat(AuditChain.hash(otherPrev, 1, 2, "t", "a", "s", "d")).isNotEqualTo(base);
        assertThat(AuditChain.hash(prev, 9, 2, "t", "a", "s", "d")).isNotEqualTo(base);
        assertThat(AuditChain.hash(prev, 1, 9, "t", "a", "s", "d")).isNotEqualTo(base);
        assertThat(AuditChain.hash(prev, 1, 2, "x", "a", "s", "d")).isNotEqualTo(base);
        assertThat(AuditChain.hash(prev, 1, 2, "t", "x", "s", "d")).isNotEqualTo(base);
        assertThat(AuditChain.hash(prev, 1, 2, "t", "a", "x", "d")).isNotEqualTo(base);
        assertThat(AuditChain.hash(prev, 1, 2, "t", "a", "s", "x")).isNotEqualTo(base);
    }

    @Test
    void rejectsPrevHashOfWrongLength() {
        assertThatThrownBy(() -> AuditChain.hash(new byte[31], 1, 0, "", "", "", ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void linkBuildsTheNextRecord() {
        AuditRecord first = AuditChain.link(0, AuditChain.genesisHash(), new AuditEvent(5, "t", "a", "s", "d"));
        AuditRecord second = AuditChain.link(first.seq(), first.hash(), new AuditEvent(6, "t", "a", "s", "d"));

        assertThat(first.seq()).isEqualTo(1);
        assertThat(first.prevHash()).isEqualTo(new byte[32]);
        assertThat(first.hash()).isEqualTo(AuditChain.expectedHash(first));
        assertThat(second.seq()).isEqualTo(2);
        assertThat(second.prevHash()).isEqualTo(first.hash());
        assertThat(second.hash()).isEqualTo(AuditChain.expectedHash(second)).isNotEqualTo(first.hash());
    }

    @Test
    void auditEventRequiresAllStrings() {
        assertThatThrownBy(() -> new AuditEvent(1, "t", null, "", "")).isInstanceOf(NullPointerException.class);
    }
}
