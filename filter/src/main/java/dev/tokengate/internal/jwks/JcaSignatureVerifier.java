package dev.tokengate.internal.jwks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.crypto.impl.RSASSA;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Verifies RSA (RS256/384/512, PS256/384/512) and ECDSA (ES256/384/512) signatures like Nimbus's {@link
 * RSASSAVerifier} and {@link ECDSAVerifier}, but with initialized {@link Signature} objects kept for reuse.
 *
 * <p>Nimbus's verifiers call {@code Signature.getInstance} and {@code initVerify} on every token: a provider lookup
 * and a key check that cost a first-seen token several microseconds beside the public-key operation itself. Here each
 * key keeps a small pool of initialized instances per algorithm; a {@link Signature} resets itself after {@code
 * verify}, and one whose call threw is dropped, never returned. Everything cryptographic is still the JDK's or
 * Nimbus's: the {@code Signature} comes from Nimbus's own algorithm mapping ({@link RSASSA#getSignerAndVerifier},
 * PSS parameters included, and {@link ECDSA#getSignerAndVerifier}), and an ECDSA signature is length-checked, screened
 * by {@link ECDSA#ensureLegalSignature} (zero or out-of-range {@code r}/{@code s}, CVE-2022-21449) and transcoded by
 * {@link ECDSA#transcodeSignatureToDER} exactly as {@link ECDSAVerifier#verify} does.
 */
final class JcaSignatureVerifier implements TokenSignatureVerifier {
  /** Enough for every core to hold one while verifying; more threads than that just make a new instance. */
  private static final int POOL_SIZE = Math.min(64, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));

  private final PublicKey publicKey;
  private final boolean ecdsa;
  private final Set<JWSAlgorithm> algorithms;
  private final Map<JWSAlgorithm, AtomicReferenceArray<Signature>> pools = new ConcurrentHashMap<>();
  private final JCAContext jcaContext = new JCAContext();

  private JcaSignatureVerifier(PublicKey publicKey, boolean ecdsa, Set<JWSAlgorithm> algorithms) {
    this.publicKey = publicKey;
    this.ecdsa = ecdsa;
    this.algorithms = algorithms;
  }

  static JcaSignatureVerifier rsa(RSAPublicKey key) {
    return new JcaSignatureVerifier(key, false, RSASSAVerifier.SUPPORTED_ALGORITHMS);
  }

  /**
   * An ECDSA verifier for the key's curve. Nimbus's {@link ECDSAVerifier} is built first and discarded: its
   * constructor refuses a point that is not on the curve (invalid-curve attacks), and that check stays Nimbus's.
   */
  static JcaSignatureVerifier ec(ECKey jwk) throws JOSEException {
    ECPublicKey key = jwk.toECPublicKey();
    new ECDSAVerifier(key);
    return new JcaSignatureVerifier(key, true, Set.of(ECDSA.resolveAlgorithm(key)));
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
    return verify(header.getAlgorithm(), signingInput, signingInput.length, signature.decode());
  }

  @Override
  public boolean verify(JWSAlgorithm algorithm, byte[] token, int signingInputLength, byte[] signature)
      throws JOSEException {
    if (!algorithms.contains(algorithm)) {
      throw new JOSEException("Unsupported JWS algorithm " + algorithm);
    }
    byte[] signatureBytes = signature;
    if (ecdsa) {
      if (signatureBytes.length != ECDSA.getSignatureByteArrayLength(algorithm)) {
        return false;
      }
      try {
        ECDSA.ensureLegalSignature(signatureBytes, algorithm);
        signatureBytes = ECDSA.transcodeSignatureToDER(signatureBytes);
      } catch (JOSEException e) {
        return false;
      }
    }
    AtomicReferenceArray<Signature> pool = pools.computeIfAbsent(algorithm, a -> new AtomicReferenceArray<>(POOL_SIZE));
    Signature verifier = take(pool, algorithm);
    boolean result;
    try {
      verifier.update(token, 0, signingInputLength);
      result = verifier.verify(signatureBytes);
    } catch (SignatureException e) {
      // A malformed signature: not a valid one. The instance may be mid-operation, so it is not returned.
      return false;
    }
    give(pool, verifier);
    return result;
  }

  private Signature take(AtomicReferenceArray<Signature> pool, JWSAlgorithm algorithm) throws JOSEException {
    for (int i = 0; i < POOL_SIZE; i++) {
      Signature pooled = pool.get(i);
      if (pooled != null && pool.compareAndSet(i, pooled, null)) {
        return pooled;
      }
    }
    Signature fresh = ecdsa
        ? ECDSA.getSignerAndVerifier(algorithm, jcaContext.getProvider())
        : RSASSA.getSignerAndVerifier(algorithm, jcaContext.getProvider());
    try {
      fresh.initVerify(publicKey);
    } catch (GeneralSecurityException e) {
      throw new JOSEException("Invalid public key: " + e.getMessage(), e);
    }
    return fresh;
  }

  private static void give(AtomicReferenceArray<Signature> pool, Signature verifier) {
    for (int i = 0; i < POOL_SIZE; i++) {
      if (pool.get(i) == null && pool.compareAndSet(i, null, verifier)) {
        return;
      }
    }
    // The pool is full: this instance is left to the garbage collector.
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return algorithms;
  }

  @Override
  public JCAContext getJCAContext() {
    return jcaContext;
  }
}
