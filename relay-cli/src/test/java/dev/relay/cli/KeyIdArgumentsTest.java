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

    /** The relay is unreachable on purpose: exit 3 means the command line itself was understood. */
    private Cli.Result run(String... args) {
        String[] all = new String[args.length + 8];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--url", "tcp://127.0.0.1:9", "--realm", "r", "--key",
                dir.resolve("me.key").toString(), "--data", dir.toString()}, 0, all, args.length, 8);
        return Cli.runExactly(all);
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
