package dev.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.RelayKeyPair;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the command line can check itself is refused before it connects: exit 2 and a one-line reason. The relay named
 * is unreachable on purpose, so exit 3 would mean the command got as far as connecting.
 */
class LocalChecksTest {
    private static final String TO = RelayKeyPair.generate().keyId().toString();
    private static final String AN_ID = "AZPjKkqkd7-dz2GEt3G1Xg";

    @TempDir
    Path dir;

    private Cli.Result run(String... args) {
        return Cli.unreachable(dir).runLine(args);
    }

    private static void assertRefusedLocally(Cli.Result result, String reason) {
        assertThat(result.exit()).as(result.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err().lines().findFirst().orElseThrow()).startsWith("relay: ").contains(reason)
                .doesNotContain("internal");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void aThreadIdThatIsNotAMessageIdIsABadCommandLine() {
        assertRefusedLocally(run("send", "--to", TO, "--thread", "t1", "hello"),
                "'--thread': 't1' must be 22 chars of base64url");
    }

    @Test
    void aReplyToThatIsNotAMessageIdIsABadCommandLine() {
        assertRefusedLocally(run("send", "--to", TO, "--reply-to", "42", "hello"), "'--reply-to': '42' must be 22 chars");
    }

    @Test
    void aMessageTheProtocolWouldRefuseIsNeverSent() {
        assertRefusedLocally(run("send", "--to", TO, "--ttl", "0s", "hello"), "bad_option: this message cannot be sent");
        assertRefusedLocally(run("send", "--to", TO, "--content-type", "text/plain; é", "hello"),
                "bad_option: this message cannot be sent");
    }

    @Test
    void threadHistoryOfSomethingThatIsNotAThreadIdIsABadCommandLine() {
        assertRefusedLocally(run("thread", "t1"), "'t1' must be 22 chars of base64url");
        assertRefusedLocally(run("thread", AN_ID, "--pages", "0"), "--pages must be at least 1");
    }

    @Test
    void listenAndDiscoverCheckTheirOptions() {
        assertRefusedLocally(run("listen", "--kind", "letter"), "--kind");
        assertRefusedLocally(run("listen", "--count", "0"), "--count must be at least 1");
        assertRefusedLocally(run("discover", "--limit", "500"), "--limit must be 1..50");
    }

    @Test
    void aProfileCardTheRelayWouldRefuseIsABadCommandLine() {
        assertRefusedLocally(run("profile", "set", "--name", "fan", "--tag", "Not A Tag"),
                "bad_option: this card would be refused");
    }

    @Test
    void aWellFormedCommandLineGetsAsFarAsConnecting() {
        for (String[] line : new String[][] {{"send", "--to", TO, "--thread", AN_ID, "--reply-to", AN_ID, "hello"},
                {"thread", AN_ID}, {"listen", "--kind", "receipt", "--count", "1"}, {"discover", "--limit", "50"},
                {"profile", "set", "--name", "fan", "--tag", "home"}}) {
            Cli.Result result = run(line);
            assertThat(result.exit()).as(String.join(" ", line) + ": " + result.err()).isEqualTo(ExitCodes.UNREACHABLE);
        }
    }
}
