package dev.relay.protocol;

import java.math.BigInteger;

/**
 * Textbook Ed25519 point arithmetic (affine, BigInteger, RFC 8032 §5.1), slow and not constant-time: for building
 * and checking the key-id vectors independently of Bouncy Castle, never for keys.
 */
final class Edwards25519 {
    static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    private static final BigInteger D = BigInteger.valueOf(-121665).multiply(inverse(BigInteger.valueOf(121666))).mod(P);
    private static final BigInteger SQRT_MINUS_ONE = BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);
    static final Point IDENTITY = new Point(BigInteger.ZERO, BigInteger.ONE);

    record Point(BigInteger x, BigInteger y) {
        Point plus(Point o) {
            BigInteger k = D.multiply(x).multiply(o.x).multiply(y).multiply(o.y).mod(P);
            BigInteger x3 = x.multiply(o.y).add(y.multiply(o.x)).multiply(inverse(BigInteger.ONE.add(k)));
            BigInteger y3 = y.multiply(o.y).add(x.multiply(o.x)).multiply(inverse(BigInteger.ONE.subtract(k)));
            return new Point(x3.mod(P), y3.mod(P));
        }

        Point times(BigInteger n) {
            Point result = IDENTITY;
            for (int i = n.bitLength() - 1; i >= 0; i--) {
                result = result.plus(result);
                if (n.testBit(i)) {
                    result = result.plus(this);
                }
            }
            return result;
        }

        /** RFC 8032 §5.1.2: y little-endian, the low bit of x in the top bit. */
        byte[] encode() {
            byte[] out = new byte[32];
            byte[] big = y.toByteArray();
            for (int i = 0; i < big.length && i < 32; i++) {
                out[i] = big[big.length - 1 - i];
            }
            out[31] |= (byte) (x.testBit(0) ? 0x80 : 0);
            return out;
        }
    }

    private Edwards25519() {
    }

    /** RFC 8032 §5.1.3 decoding; null when the bytes are not a canonical encoding of a curve point. */
    static Point decode(byte[] encoded) {
        byte[] big = new byte[32];
        for (int i = 0; i < 32; i++) {
            big[i] = encoded[31 - i];
        }
        boolean sign = (big[0] & 0x80) != 0;
        big[0] &= 0x7f;
        BigInteger y = new BigInteger(1, big);
        if (y.compareTo(P) >= 0) {
            return null;
        }
        BigInteger y2 = y.multiply(y);
        BigInteger x2 = y2.subtract(BigInteger.ONE).multiply(inverse(D.multiply(y2).add(BigInteger.ONE))).mod(P);
        BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
        if (!x.multiply(x).mod(P).equals(x2)) {
            x = x.multiply(SQRT_MINUS_ONE).mod(P);
        }
        if (!x.multiply(x).mod(P).equals(x2) || (x.signum() == 0 && sign)) {
            return null;
        }
        return new Point(x.testBit(0) == sign ? x : P.subtract(x), y);
    }

    private static BigInteger inverse(BigInteger value) {
        return value.mod(P).modInverse(P);
    }
}
