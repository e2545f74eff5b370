package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyFilesTest {
    private static final String SEED = Base64Url.encode(TestKeys.HEX.parseHex(TestKeys.RFC1_SEED));

    @TempDir
    Path dir;

    @BeforeEach
    void posixOnly() {
        assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).contains("posix");
    }

    @Test
    void saveCreatesAnOwnerOnlyFileWithTheDesignedFields() throws Exception {
        Path file = dir.resolve("sub/dir/alice.key");
        KeyFiles.save(file, TestKeys.alice(), false);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        JsonNode json = Json.MAPPER.readTree(Files.readAllBytes(file));
        assertThat(json.get("type").asText()).isEqualTo("relay-ed25519-key");
        assertThat(json.get("v").isIntegralNumber()).isTrue();
        assertThat(json.get("v").asInt()).isEqualTo(1);
        assertThat(json.get("seed").asText()).isEqualTo(SEED);
        assertThat(json.get("key_id").asText()).isEqualTo(TestKeys.RFC1_KEY_ID);
        assertThat(json.size()).isEqualTo(4);
        try (Stream<Path> left = Files.list(file.getParent())) {
            assertThat(left).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void saveThenLoadRoundTrips() throws Exception {
        Path file = dir.resolve("k.json");
        RelayKeyPair key = RelayKeyPair.generate();
        KeyFiles.save(file, key, false);
        assertThat(KeyFiles.load(file)).isEqualTo(key);
        assertThat(KeyFiles.load(file).keyId()).isEqualTo(key.keyId());
    }

    @Test
    void saveRefusesToOverwriteUnlessAsked() throws Exception {
        Path file = dir.resolve("k.json");
        KeyFiles.save(file, TestKeys.alice(), false);

        assertThatThrownBy(() -> KeyFiles.save(file, TestKeys.bob(), false)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(KeyFiles.load(file)).isEqualTo(TestKeys.alice());

        KeyFiles.save(file, TestKeys.bob(), true);
        assertThat(KeyFiles.load(file)).isEqualTo(TestKeys.bob());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void loadOrCreateCreatesOnceThenLoadsTheSameKey() throws Exception {
        Path file = dir.resolve("identity.key");
        assertThat(file).doesNotExist();

        RelayKeyPair first = KeyFiles.loadOrCreate(file);
        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        byte[] bytes = Files.readAllBytes(file);

        RelayKeyPair second = KeyFiles.loadOrCreate(file);
        assertThat(second).isEqualTo(first);
        assertThat(second.keyId()).isEqualTo(first.keyId());
        assertThat(Files.readAllBytes(file)).as("file untouched by the second call").isEqualTo(bytes);
    }

    @Test
    void loadOrCreateNeverReplacesAnExistingKey() throws Exception {
        Path file = dir.resolve("identity.key");
        KeyFiles.save(file, TestKeys.alice(), false);
        assertThat(KeyFiles.loadOrCreate(file)).isEqualTo(TestKeys.alice());
    }

    @Test
    void loadOrCreateRefusesACorruptFileInsteadOfReplacingIt() throws Exception {
        Path file = writeOwnerOnly("identity.key", "{not json");
        assertThatThrownBy(() -> KeyFiles.loadOrCreate(file))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
        assertThat(Files.readString(file)).isEqualTo("{not json");
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw----r--", "r--r--r--", "rwxrwxrwx", "rw-rw-rw-"})
    void loadRefusesAFileOthersCanRead(String mode) throws Exception {
        Path file = dir.resolve("k.json");
        KeyFiles.save(file, TestKeys.alice(), false);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));

        assertThatThrownBy(() -> KeyFiles.load(file))
                .isInstanceOfSatisfying(RelayException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED);
                    assertThat(e.getMessage()).contains("chmod 600").contains(file.toString());
                });
    }

    @ParameterizedTest(name = "mode {0}")
    @ValueSource(strings = {"rw-------", "r--------"})
    void loadAcceptsOwnerOnlyModes(String mode) throws Exception {
        Path file = dir.resolve("k.json");
        KeyFiles.save(file, TestKeys.alice(), false);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        assertThat(KeyFiles.load(file)).isEqualTo(TestKeys.alice());
    }

    @Test
    void loadAcceptsAMinimalHandWrittenFileWithoutKeyId() throws Exception {
        Path file = writeOwnerOnly("k.json", "{\"type\":\"relay-ed25519-key\",\"v\":1,\"seed\":\"" + SEED + "\"}");
        assertThat(KeyFiles.load(file).keyId().toString()).isEqualTo(TestKeys.RFC1_KEY_ID);
    }

    static Stream<Arguments> corruptFiles() {
        String ok = "\"type\":\"relay-ed25519-key\",\"v\":1,\"seed\":\"" + SEED + "\",\"key_id\":\"" + TestKeys.RFC1_KEY_ID + "\"";
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("empty file", new byte[0]));
        out.add(Arguments.of("whitespace", bytes("  \n")));
        out.add(Arguments.of("not json", bytes("seed=abc")));
        out.add(Arguments.of("truncated", bytes("{" + ok.substring(0, 30))));
        out.add(Arguments.of("unterminated object", bytes("{" + ok)));
        out.add(Arguments.of("array", bytes("[" + ok.replace(':', ',') + "]")));
        out.add(Arguments.of("null", bytes("null")));
        out.add(Arguments.of("string", bytes("\"" + SEED + "\"")));
        out.add(Arguments.of("trailing data", bytes("{" + ok + "} x")));
        out.add(Arguments.of("two objects", bytes("{" + ok + "}{}")));
        out.add(Arguments.of("duplicate key", bytes("{" + ok + ",\"seed\":\"" + SEED + "\"}")));
        out.add(Arguments.of("invalid UTF-8", concat(bytes("{\"type\":\"relay-ed25519-"), new byte[] {(byte) 0xc3, 0x28},
                bytes("\",\"v\":1,\"seed\":\"" + SEED + "\"}"))));
        out.add(Arguments.of("binary garbage", new byte[] {0, 1, 2, (byte) 0xff, (byte) 0xfe}));
        out.add(Arguments.of("wrong type", bytes("{" + ok.replace("relay-ed25519-key", "relay-x25519-key") + "}")));
        out.add(Arguments.of("type missing", bytes("{\"v\":1,\"seed\":\"" + SEED + "\"}")));
        out.add(Arguments.of("type not a string", bytes("{" + ok.replace("\"relay-ed25519-key\"", "1") + "}")));
        out.add(Arguments.of("v 2", bytes("{" + ok.replace("\"v\":1", "\"v\":2") + "}")));
        out.add(Arguments.of("v as string", bytes("{" + ok.replace("\"v\":1", "\"v\":\"1\"") + "}")));
        out.add(Arguments.of("v as float", bytes("{" + ok.replace("\"v\":1", "\"v\":1.0") + "}")));
        out.add(Arguments.of("v huge", bytes("{" + ok.replace("\"v\":1", "\"v\":99999999999999999999") + "}")));
        out.add(Arguments.of("v missing", bytes("{" + ok.replace("\"v\":1,", "") + "}")));
        out.add(Arguments.of("seed missing", bytes("{\"type\":\"relay-ed25519-key\",\"v\":1}")));
        out.add(Arguments.of("seed a number", bytes("{\"type\":\"relay-ed25519-key\",\"v\":1,\"seed\":12}")));
        out.add(Arguments.of("seed null", bytes("{\"type\":\"relay-ed25519-key\",\"v\":1,\"seed\":null}")));
        out.add(Arguments.of("seed an object", bytes("{\"type\":\"relay-ed25519-key\",\"v\":1,\"seed\":{\"a\":1}}")));
        out.add(Arguments.of("seed an array", bytes("{\"type\":\"relay-ed25519-key\",\"v\":1,\"seed\":[1,2]}")));
        out.add(Arguments.of("seed 31 bytes", bytes("{" + ok.replace(SEED, Base64Url.encode(new byte[31])) + "}")));
        out.add(Arguments.of("seed 33 bytes", bytes("{" + ok.replace(SEED, Base64Url.encode(new byte[33])) + "}")));
        out.add(Arguments.of("seed with padding", bytes("{" + ok.replace(SEED, SEED + "=") + "}")));
        out.add(Arguments.of("seed standard base64", bytes("{" + ok.replace(SEED,
                java.util.Base64.getEncoder().withoutPadding().encodeToString(new byte[] {-1, -1, -1, -2, -2, -2, -3, -3,
                        -3, -4, -4, -4, -5, -5, -5, -6, -6, -6, -7, -7, -7, -8, -8, -8, -9, -9, -9, -10, -10, -10, -11, -11})) + "}")));
        out.add(Arguments.of("seed non-canonical", bytes("{" + ok.replace(SEED, TestKeys.bumpBase64Char(SEED, 42)) + "}")));
        out.add(Arguments.of("seed hex instead of base64url", bytes("{" + ok.replace(SEED, TestKeys.RFC1_SEED) + "}")));
        out.add(Arguments.of("key_id of another key", bytes("{" + ok.replace(TestKeys.RFC1_KEY_ID,
                TestKeys.bob().keyId().toString()) + "}")));
        out.add(Arguments.of("key_id garbage", bytes("{" + ok.replace(TestKeys.RFC1_KEY_ID, "nope") + "}")));
        out.add(Arguments.of("key_id a number", bytes("{" + ok.replace("\"" + TestKeys.RFC1_KEY_ID + "\"", "7") + "}")));
        out.add(Arguments.of("key_id null", bytes("{" + ok.replace("\"" + TestKeys.RFC1_KEY_ID + "\"", "null") + "}")));
        out.add(Arguments.of("deeply nested", bytes("{\"x\":" + "[".repeat(10_000))));
        out.add(Arguments.of("huge file", bytes("{\"pad\":\"" + "A".repeat(300_000) + "\"," + ok + "}")));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptFiles")
    void loadRefusesCorruptFilesWithMalformed(String name, byte[] content) throws IOException {
        Path file = dir.resolve("k.json");
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> KeyFiles.load(file))
                .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    }

    @Test
    void theValidControlOfTheCorruptTableLoads() throws Exception {
        Path file = writeOwnerOnly("k.json", "{\"type\":\"relay-ed25519-key\",\"v\":1,\"seed\":\"" + SEED + "\",\"key_id\":\""
                + TestKeys.RFC1_KEY_ID + "\"}");
        assertThat(KeyFiles.load(file)).isEqualTo(TestKeys.alice());
    }

    @Test
    void loadOfAMissingFileIsAnIoError() {
        assertThatThrownBy(() -> KeyFiles.load(dir.resolve("absent.key"))).isInstanceOf(IOException.class);
    }

    private Path writeOwnerOnly(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}
