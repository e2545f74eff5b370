package dev.relay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.RelayKeyPair;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key ids that start with '-' (one in 64) are arguments like any other, even where they look like '-k FILE'. */
class KeyIdArgumentsTest {
    @TempDir
    Path dir;

    private static String keyIdStartingWith(String prefix) {
        while (true) {
            String id = RelayKeyPair.generate().keyId().toString();
            if (id.startsWith(prefix)) {
                return id;
            }
        }
    }

    private Cli.Result run(String... args) {
        return Cli.unreachable(dir).runLine(args);
    }

    @Test
    void aDashKeyIdWorksAsOptionValuePositionalAndListEntry() {
        String dash = keyIdStartingWith("-");
        String dashK = keyIdStartingWith("-k"); // would otherwise read as '-k <key file>'
        String plain = keyIdStartingWith("A");

        for (String id : new String[] {dash, dashK}) {
            Cli.Result sent = run("send", "--to", id, "hello");
            assertThat(sent.exit()).as(sent.err()).isEqualTo(ExitCodes.UNREACHABLE);
            Cli.Result added = run("policy", "add", "allow", plain, id);
            assertThat(added.exit()).as(added.err()).isEqualTo(ExitCodes.UNREACHABLE);
            Cli.Result listed = run("policy", "set", "allowlist", "--allow", plain + "," + id);
            assertThat(listed.exit()).as(listed.err()).isEqualTo(ExitCodes.UNREACHABLE);
        }
        assertThat(dir.resolve(dashK.substring(2))).as("no key file named after the key id").doesNotExist();
    }

    @Test
    void realOptionsAndMistakesAreLeftAlone() {
        Cli.Result unknown = run("send", "--to", keyIdStartingWith("A"), "-x", "hello");
        assertThat(unknown.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("Unknown option: '-x'");
    }
}
