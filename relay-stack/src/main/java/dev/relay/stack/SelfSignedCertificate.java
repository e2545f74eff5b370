package dev.relay.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for trying TLS on one machine ({@code relay up --mqtt-tls}), made with the JDK's own
 * keytool so no extra library is needed: a PKCS12 key store with an EC key and a certificate for the given IP address.
 * Clients trust it by using the same file as their trust store. Not for production: use a certificate from your CA.
 */
public final class SelfSignedCertificate {
    private SelfSignedCertificate() {
    }

    /** Creates {@code keyStore} unless it exists; returns it. */
    public static Path createIfMissing(Path keyStore, String password, String ipAddress, int validDays)
            throws IOException {
        if (Files.exists(keyStore)) {
            return keyStore;
        }
        if (keyStore.getParent() != null) {
            Files.createDirectories(keyStore.getParent());
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "relay", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", Integer.toString(validDays), "-dname", "CN=" + ipAddress,
                "-ext", "SAN=ip:" + ipAddress, "-storetype", "PKCS12", "-keystore", keyStore.toString(),
                "-storepass", password, "-keypass", password).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException("keytool could not create " + keyStore + ": " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while creating " + keyStore, e);
        }
        return keyStore;
    }
}
