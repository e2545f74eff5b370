package dev.relay.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.SecureRandom;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Scenario 5, signature cost: Ed25519 sign and verify of a message the size of a signed envelope's signing input, by
 * Bouncy Castle's lightweight API (what Relay uses, with the public point decoded once per key as Relay does) and by
 * the JDK's provider. Operations per second on one thread: the ceiling for signed messages per core.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
public class SignatureBenchmark {
    private final byte[] message = new byte[MqttLoad.BODY_BYTES + 160];
    private byte[] bcPrivate;
    private byte[] bcPublic;
    private Ed25519.PublicPoint bcPoint;
    private byte[] bcSignature;
    private KeyPair jdkKeys;
    private byte[] jdkSignature;

    @Setup
    public void setUp() throws GeneralSecurityException {
        byte[] text = "relay signature benchmark".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, message, 0, text.length);
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
        bcPrivate = key.getEncoded();
        bcPublic = key.generatePublicKey().getEncoded();
        bcPoint = Ed25519.validatePublicKeyFullExport(bcPublic, 0);
        bcSignature = bcSign();
        jdkKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        jdkSignature = jdkSign();
    }

    @Benchmark
    public byte[] bcSign() {
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(bcPrivate, 0, message, 0, message.length, signature, 0);
        return signature;
    }

    @Benchmark
    public boolean bcVerify() {
        return Ed25519.verify(bcSignature, 0, bcPoint, message, 0, message.length);
    }

    @Benchmark
    public byte[] jdkSign() throws GeneralSecurityException {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(jdkKeys.getPrivate());
        signer.update(message);
        return signer.sign();
    }

    @Benchmark
    public boolean jdkVerify() throws GeneralSecurityException {
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(jdkKeys.getPublic());
        verifier.update(message);
        return verifier.verify(jdkSignature);
    }
}
