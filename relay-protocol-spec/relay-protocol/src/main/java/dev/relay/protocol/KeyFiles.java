package dev.relay.protocol;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Key files (SPEC §1.3): {@code {"type":"relay-ed25519-key","v":1,"key_id":...,"seed":...}}, readable by the owner only.
 * Writes go to a temporary file created with 0600 and are then moved into place, so the seed is never readable by
 * others, not even for a moment, and a crash never leaves half a key file.
 */
public final class KeyFiles {
    public static final String TYPE = "relay-ed25519-key";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyFiles() {
    }

    /** Loads the key at {@code file}, or creates one there if the file does not exist. */
    public static RelayKeyPair loadOrCreate(Path file) throws IOException, RelayException {
        if (Files.exists(file)) {
            return load(file);
        }
        RelayKeyPair created = RelayKeyPair.generate();
        try {
            save(file, created, false);
        } catch (FileAlreadyExistsException raced) {
            return load(file);
        }
        return created;
    }

    /** Writes a new key file; refuses to overwrite an existing one unless {@code overwrite}. */
    public static void save(Path file, RelayKeyPair key, boolean overwrite) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        if (!overwrite && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "a key file is already there; not overwriting it");
        }
        Path temp = createOwnerOnly(parent, file.getFileName() + ".tmp");
        try {
            Files.write(temp, toJson(key).getBytes(StandardCharsets.UTF_8));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    public static RelayKeyPair load(Path file) throws IOException, RelayException {
        if (isPosix(file)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new RelayException(ErrorCode.MALFORMED, "key file " + file + " is readable by others ("
                        + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + file);
            }
        }
        return fromJson(Files.readAllBytes(file));
    }

    static String toJson(RelayKeyPair key) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(orderedFields(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> orderedFields(RelayKeyPair key) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("type", TYPE);
        fields.put("v", 1);
        fields.put("key_id", key.keyId().toString());
        fields.put("seed", Base64Url.encode(key.seed()));
        return fields;
    }

    static RelayKeyPair fromJson(byte[] json) throws RelayException {
        Map<String, Object> fields = Json.readFlatObject(json, "key file");
        if (!TYPE.equals(fields.get("type")) || !Integer.valueOf(1).equals(fields.get("v"))) {
            throw new RelayException(ErrorCode.MALFORMED, "not a v1 relay-ed25519-key file");
        }
        if (!(fields.get("seed") instanceof String)) {
            throw new RelayException(ErrorCode.MALFORMED, "key file has no seed");
        }
        RelayKeyPair key = RelayKeyPair.fromSeed(Base64Url.decode((String) fields.get("seed"), "seed", RelayKeyPair.SEED_LENGTH));
        Object keyId = fields.get("key_id");
        if (keyId != null && !key.keyId().toString().equals(keyId)) {
            throw new RelayException(ErrorCode.MALFORMED, "key file's key_id does not match its seed");
        }
        return key;
    }

    private static Path createOwnerOnly(Path dir, String name) throws IOException {
        Path temp = dir.resolve(name);
        Files.deleteIfExists(temp);
        if (isPosix(dir)) {
            return Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        }
        return Files.createFile(temp);
    }

    private static boolean isPosix(Path path) {
        return path.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
