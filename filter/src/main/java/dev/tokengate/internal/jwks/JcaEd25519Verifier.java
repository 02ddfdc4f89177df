package dev.tokengate.internal.jwks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;

/**
 * Verifies Ed25519 signatures with the JDK's own {@code Ed25519} provider (JDK 15+).
 *
 * <p>Nimbus's {@code Ed25519Verifier} needs Google Tink on the classpath; users should not have to carry it for one
 * algorithm the JDK already implements. Nimbus still parses the JWK and the
 * token; this class only calls the JDK's {@link KeyFactory} and {@link Signature}. Public for the DPoP proof
 * verifier ({@code internal.dpop}), which checks Ed25519 proofs with it.
 */
public final class JcaEd25519Verifier implements JWSVerifier {
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

  private static final byte[] ED25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private final PublicKey publicKey;
  private final JCAContext jcaContext = new JCAContext();

  JcaEd25519Verifier(PublicKey publicKey) {
    this.publicKey = publicKey;
  }

  /**
   * Builds the JDK key from a JWK's 32-byte {@code x}. Nimbus cannot export an OKP key to a JCA key, so the key is
   * wrapped in its RFC 8410 SubjectPublicKeyInfo (a fixed 12-byte DER prefix naming Ed25519) and parsed by the JDK.
   */
  public static JcaEd25519Verifier of(OctetKeyPair jwk) throws JOSEException {
    byte[] x = jwk.getDecodedX();
    if (x.length != 32) {
      throw new JOSEException("Ed25519 public key must be 32 bytes, was " + x.length);
    }
    byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
    System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
    System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, 32);
    try {
      return new JcaEd25519Verifier(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
    } catch (GeneralSecurityException e) {
      throw new JOSEException("Not an Ed25519 public key: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
    if (!ALGORITHMS.contains(header.getAlgorithm())) {
      return false;
    }
    byte[] signatureBytes = signature.decode();
    if (signatureBytes.length != 64) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(publicKey);
      verifier.update(signingInput);
      return verifier.verify(signatureBytes);
    } catch (GeneralSecurityException e) {
      throw new JOSEException("Ed25519 verification failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return ALGORITHMS;
  }

  @Override
  public JCAContext getJCAContext() {
    return jcaContext;
  }
}
