package dev.tokengate.internal.jwks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Set;

/**
 * Verifies Ed25519 signatures with the JDK's own {@code Ed25519} provider (JDK 15+).
 *
 * <p>Nimbus's {@code Ed25519Verifier} needs Google Tink on the classpath; users should not have to carry it for one
 * algorithm the JDK already implements. Nimbus still parses the key ({@code OctetKeyPair.toPublicKey()}) and the
 * token; this class only calls {@link Signature}.
 */
final class JcaEd25519Verifier implements JWSVerifier {
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

  private final PublicKey publicKey;
  private final JCAContext jcaContext = new JCAContext();

  JcaEd25519Verifier(PublicKey publicKey) {
    this.publicKey = publicKey;
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
