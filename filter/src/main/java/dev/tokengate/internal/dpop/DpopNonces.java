package dev.tokengate.internal.dpop;

import com.nimbusds.jose.util.Base64URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) without state: the nonce of a time step is the HMAC-SHA256 (the JDK's
 * {@link Mac}) of the step number under a key every instance shares, so that any instance accepts a nonce another
 * one issued and nothing is stored. The current and the previous step's nonces are accepted, so a nonce serves
 * between one and two rotations.
 */
final class DpopNonces {
  private static final byte[] CONTEXT = "tokengate dpop-nonce v1".getBytes(StandardCharsets.US_ASCII);

  private record Step(long number, String nonce, String previous) {}

  private final SecretKeySpec key;
  private final long rotationMillis;
  private final Clock clock;
  private volatile Step step;

  DpopNonces(byte[] secret, Duration rotation, Clock clock) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
    this.rotationMillis = rotation.toMillis();
    this.clock = clock;
  }

  /** The nonce to hand out now. */
  String current() {
    return step().nonce();
  }

  /** Whether {@code nonce} is the current or the previous step's. */
  boolean accepts(String nonce) {
    Step now = step();
    byte[] given = nonce.getBytes(StandardCharsets.US_ASCII);
    // Constant time: a guessed nonce must not be refined by timing.
    return MessageDigest.isEqual(given, now.nonce().getBytes(StandardCharsets.US_ASCII))
        | MessageDigest.isEqual(given, now.previous().getBytes(StandardCharsets.US_ASCII));
  }

  private Step step() {
    long number = Math.floorDiv(clock.millis(), rotationMillis);
    Step cached = step;
    if (cached != null && cached.number() == number) {
      return cached;
    }
    Step fresh = new Step(number, nonceOf(number), nonceOf(number - 1));
    step = fresh;
    return fresh;
  }

  private String nonceOf(long number) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      mac.update(CONTEXT);
      mac.update(ByteBuffer.allocate(Long.BYTES).putLong(number).array());
      return Base64URL.encode(mac.doFinal()).toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
