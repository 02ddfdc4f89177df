package dev.tokengate.internal.jwks;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;

/**
 * A {@link JWSVerifier} that also verifies straight from the token's bytes: the signing input is the token's first
 * {@code signingInputLength} bytes, so the validator neither copies it out nor wraps the decoded signature in a new
 * {@code Base64URL} per token.
 */
public interface TokenSignatureVerifier extends JWSVerifier {
  /**
   * Whether {@code signature} is a valid signature by this key, with {@code algorithm}, over {@code
   * token[0, signingInputLength)} (the header and payload segments and the dot between them, as ASCII).
   *
   * @param signature the decoded signature; not changed
   * @return {@code false} for a malformed or wrong signature
   * @throws com.nimbusds.jose.JOSEException when the algorithm is not this key's or the JCA cannot verify at all
   */
  boolean verify(JWSAlgorithm algorithm, byte[] token, int signingInputLength, byte[] signature)
      throws com.nimbusds.jose.JOSEException;
}
