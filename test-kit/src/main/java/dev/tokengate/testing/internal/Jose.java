package dev.tokengate.testing.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.testing.SigningKey;
import java.text.ParseException;
import java.util.Set;

/** Nimbus views of kit types. Internal: see the package documentation. */
public final class Jose {
  private Jose() {}

  /**
   * A Nimbus signer that signs with {@code key} in its own algorithm ({@link SigningKey#algorithm()}).
   *
   * @param key the key
   * @return a signer refusing headers that name another algorithm
   */
  public static JWSSigner signer(SigningKey key) {
    JWSAlgorithm algorithm = JWSAlgorithm.parse(key.algorithm());
    JCAContext context = new JCAContext();
    return new JWSSigner() {
      @Override
      public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
        if (!algorithm.equals(header.getAlgorithm())) {
          throw new JOSEException(key + " cannot sign " + header.getAlgorithm());
        }
        return Base64URL.encode(key.sign(signingInput));
      }

      @Override
      public Set<JWSAlgorithm> supportedJWSAlgorithms() {
        return Set.of(algorithm);
      }

      @Override
      public JCAContext getJCAContext() {
        return context;
      }
    };
  }

  /**
   * The key's public half as a Nimbus JWK.
   *
   * @param key an asymmetric key
   * @return its public JWK
   */
  public static JWK publicJwk(SigningKey key) {
    try {
      return JWK.parse(key.publicJwk());
    } catch (ParseException e) {
      throw new IllegalStateException(e);
    }
  }
}
