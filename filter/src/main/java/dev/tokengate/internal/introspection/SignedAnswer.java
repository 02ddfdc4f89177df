package dev.tokengate.internal.introspection;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.internal.jwks.IssuerKeys;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A signed introspection answer, RFC 9701: a JWT of {@code typ} {@code token-introspection+jwt}, signed with one of
 * the issuer's keys (its JWKS, the same key machinery tokens are verified with: never a key the answer names), whose
 * {@code iss} is the issuer, whose {@code aud} names this API's client id, whose {@code iat} is within the clock skew
 * of now (so an old answer cannot be replayed), and whose {@code token_introspection} member is the answer itself.
 * Any failure is the endpoint's, not the caller's: a failed call, answered 503.
 */
final class SignedAnswer {
  static final String MEDIA_TYPE = "application/token-introspection+jwt";
  private static final Set<String> TYPES = Set.of("token-introspection+jwt", "application/token-introspection+jwt");

  /** What a signed answer is verified with, for one issuer. */
  record Verification(String issuer, String clientId, IssuerKeys keys, Set<JWSAlgorithm> algorithms, Clock clock,
      long skewMillis) {}

  private SignedAnswer() {}

  /** The {@code token_introspection} member of a verified answer. */
  static Map<String, Object> verify(byte[] body, String source, Verification verification)
      throws IntrospectionFailure {
    if (verification.keys() == null) {
      throw new IntrospectionFailure(source + " answered with a signed introspection response, but no signing keys"
          + " are loaded for issuer " + verification.issuer() + " (asymmetric algorithms are needed to verify it)");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(new String(body, StandardCharsets.UTF_8).strip());
    } catch (ParseException e) {
      throw new IntrospectionFailure(source + " answered with a signed introspection response that is not a JWS");
    }
    if (!verification.algorithms().contains(jwt.getHeader().getAlgorithm())
        || JWSAlgorithm.Family.HMAC_SHA.contains(jwt.getHeader().getAlgorithm())) {
      throw new IntrospectionFailure(source + " signed its introspection response with an algorithm not accepted: "
          + jwt.getHeader().getAlgorithm());
    }
    if (jwt.getHeader().getType() == null
        || !TYPES.contains(jwt.getHeader().getType().getType().toLowerCase(Locale.ROOT))) {
      throw new IntrospectionFailure(source + " answered with a JWT whose typ is not token-introspection+jwt");
    }
    if (jwt.getHeader().getCriticalParams() != null && !jwt.getHeader().getCriticalParams().isEmpty()) {
      throw new IntrospectionFailure(source + " answered with a JWT carrying critical headers");
    }
    List<JWSVerifier> candidates;
    try {
      candidates = verification.keys().verifiersFor(jwt.getHeader());
    } catch (KeysUnavailableException e) {
      throw new IntrospectionFailure("the signing keys of " + verification.issuer() + " are unavailable to verify"
          + " its introspection response: " + e.getMessage(), e);
    }
    if (!verifiedByAny(jwt, candidates)) {
      throw new IntrospectionFailure(source + " answered with a signed introspection response whose signature"
          + " does not verify with the issuer's keys");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new IntrospectionFailure(source + " answered with a signed introspection response whose claims are"
          + " malformed");
    }
    if (!verification.issuer().equals(claims.getIssuer())) {
      throw new IntrospectionFailure(source + " signed an introspection response naming issuer '"
          + claims.getIssuer() + "', not '" + verification.issuer() + "'");
    }
    if (claims.getAudience() == null || !claims.getAudience().contains(verification.clientId())) {
      throw new IntrospectionFailure(source + " signed an introspection response for another audience than this"
          + " API's client id '" + verification.clientId() + "'");
    }
    Date issuedAt = claims.getIssueTime();
    long now = verification.clock().millis();
    if (issuedAt == null || Math.abs(now - issuedAt.getTime()) > verification.skewMillis()) {
      throw new IntrospectionFailure(source + " signed an introspection response whose iat is missing or not"
          + " within the clock skew of now");
    }
    Object answer = claims.getClaim("token_introspection");
    if (!(answer instanceof Map<?, ?> members)) {
      throw new IntrospectionFailure(source + " signed an introspection response without a token_introspection"
          + " object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> typed = (Map<String, Object>) members;
    return typed;
  }

  private static boolean verifiedByAny(SignedJWT jwt, List<JWSVerifier> candidates) {
    for (JWSVerifier verifier : candidates) {
      try {
        if (jwt.verify(verifier)) {
          return true;
        }
      } catch (JOSEException | RuntimeException e) {
        // A malformed signature is simply not a valid one.
      }
    }
    return false;
  }
}
