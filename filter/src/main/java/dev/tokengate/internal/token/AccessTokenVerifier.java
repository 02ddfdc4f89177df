package dev.tokengate.internal.token;

import static dev.tokengate.BearerError.INVALID_TOKEN;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenTypePolicy;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.internal.jwks.IssuerKeys;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * The validation pipeline: syntax, header, issuer, key, signature, claims; the first failure decides the answer.
 *
 * <p>The order is deliberate: everything checkable without a key (syntax, {@code alg}, {@code typ}, {@code crit},
 * {@code iss}) comes first, so a forged or foreign token never causes a key fetch; claims are judged only after the
 * signature proved who wrote them.
 */
public final class AccessTokenVerifier {
  private static final Set<String> LENIENT_TYPES = Set.of("at+jwt", "application/at+jwt", "jwt");
  private static final Set<String> STRICT_TYPES = Set.of("at+jwt", "application/at+jwt");

  /** A trusted issuer: its audiences (empty: any) and keys ({@code null} when only a shared secret is used). */
  private record Trusted(String issuer, Set<String> audiences, IssuerKeys keys) {}

  private final Map<String, Trusted> issuers;
  private final Set<JWSAlgorithm> algorithms;
  private final TokenTypePolicy typPolicy;
  private final long clockSkewMillis;
  private final List<String> clientIdClaims;
  private final List<String> scopeClaims;
  private final int maxTokenLength;
  private final Clock clock;
  private final JWSVerifier macVerifier;

  /**
   * @param keysByIssuer the keys of each of {@link TokenGateConfig#trustedIssuers()}, by issuer URL; empty when only
   *     a shared secret is used
   */
  public AccessTokenVerifier(TokenGateConfig config, Map<String, IssuerKeys> keysByIssuer) {
    Map<String, Trusted> trusted = new HashMap<>();
    for (TrustedIssuer entry : config.trustedIssuers()) {
      trusted.put(entry.issuer(),
          new Trusted(entry.issuer(), Set.copyOf(entry.audiences()), keysByIssuer.get(entry.issuer())));
    }
    this.issuers = Map.copyOf(trusted);
    this.algorithms = acceptedAlgorithms(config);
    this.typPolicy = config.typPolicy();
    this.clockSkewMillis = config.clockSkew().toMillis();
    this.clientIdClaims = config.clientIdClaims();
    this.scopeClaims = config.scopeClaims();
    this.maxTokenLength = config.maxTokenLength();
    this.clock = config.clock();
    this.macVerifier = config.sharedSecret().map(AccessTokenVerifier::macVerifier).orElse(null);
  }

  /** The configured algorithm names as Nimbus algorithms. */
  public static Set<JWSAlgorithm> acceptedAlgorithms(TokenGateConfig config) {
    return config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
  }

  /**
   * Validates a token and describes its caller.
   *
   * @throws TokenRejectedException with {@code invalid_token} and a safe description, when the token is not good
   * @throws KeysUnavailableException when the issuer's keys cannot be had
   */
  public ClientPrincipal verify(String token) throws TokenRejectedException, KeysUnavailableException {
    if (token.length() > maxTokenLength) {
      throw invalid("The access token is too long");
    }
    if (!isCompactJws(token)) {
      throw invalid("The access token is malformed");
    }
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | RuntimeException e) {
      // Nimbus reports wrong claim types and broken JSON alike as ParseException; both are the token's fault.
      throw invalid("The access token is malformed");
    }
    JWSHeader header = jwt.getHeader();
    if (!algorithms.contains(header.getAlgorithm())) {
      throw invalid("The access token signing algorithm is not accepted");
    }
    if (!typeAccepted(header.getType())) {
      throw invalid("The access token type is not accepted");
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      throw invalid("The access token has an unsupported critical header");
    }
    // The unverified iss only selects among configured issuers: an unknown one is refused before any key is fetched.
    Trusted issuer = claims.getIssuer() == null ? null : issuers.get(claims.getIssuer());
    if (issuer == null) {
      throw invalid("The access token was issued by an untrusted issuer");
    }
    List<JWSVerifier> candidates = verifiersFor(header, issuer.keys());
    if (candidates.isEmpty()) {
      throw invalid("The access token was signed with an unknown key");
    }
    if (!signatureValid(jwt, header, candidates)) {
      throw invalid("The access token signature is invalid");
    }
    checkTimes(claims);
    checkAudience(claims, issuer.audiences());
    return new ClientPrincipal(
        clientId(claims), claims.getSubject(), issuer.issuer(), Set.copyOf(claims.getAudience()), scopes(claims),
        claims.getExpirationTime().toInstant(), claims.toJSONObject());
  }

  private List<JWSVerifier> verifiersFor(JWSHeader header, IssuerKeys keys) throws KeysUnavailableException {
    if (JWSAlgorithm.Family.HMAC_SHA.contains(header.getAlgorithm())) {
      return macVerifier == null ? List.of() : List.of(macVerifier);
    }
    return keys == null ? List.of() : keys.verifiersFor(header);
  }

  private static boolean signatureValid(SignedJWT jwt, JWSHeader header, List<JWSVerifier> candidates) {
    byte[] signingInput = jwt.getSigningInput();
    for (JWSVerifier verifier : candidates) {
      try {
        if (verifier.verify(header, signingInput, jwt.getSignature())) {
          return true;
        }
      } catch (JOSEException | RuntimeException e) {
        // A malformed signature (wrong length, bad DER) is simply not a valid one.
      }
    }
    return false;
  }

  private void checkTimes(JWTClaimsSet claims) throws TokenRejectedException {
    long now = clock.millis();
    Date expiry = claims.getExpirationTime();
    if (expiry == null) {
      throw invalid("The access token has no expiry");
    }
    if (now - clockSkewMillis >= expiry.getTime()) {
      throw invalid("The access token expired");
    }
    Date notBefore = claims.getNotBeforeTime();
    if (notBefore != null && now + clockSkewMillis < notBefore.getTime()) {
      throw invalid("The access token is not valid yet");
    }
    Date issuedAt = claims.getIssueTime();
    if (issuedAt != null && now + clockSkewMillis < issuedAt.getTime()) {
      throw invalid("The access token was issued in the future");
    }
  }

  private static void checkAudience(JWTClaimsSet claims, Set<String> audiences) throws TokenRejectedException {
    if (audiences.isEmpty()) {
      // Only possible with allow-any-audience: the configuration refuses an issuer without audiences otherwise.
      return;
    }
    for (String audience : claims.getAudience()) {
      if (audiences.contains(audience)) {
        return;
      }
    }
    throw invalid("The access token is for another audience");
  }

  private String clientId(JWTClaimsSet claims) throws TokenRejectedException {
    for (String name : clientIdClaims) {
      Object value = claims.getClaim(name);
      if (value instanceof String id && !id.isBlank()) {
        return id;
      }
      if (value != null && !(value instanceof String)) {
        throw invalid("The access token claim " + name + " is malformed");
      }
    }
    throw invalid("The access token does not name its client");
  }

  private Set<String> scopes(JWTClaimsSet claims) throws TokenRejectedException {
    Set<String> scopes = new LinkedHashSet<>();
    for (String name : scopeClaims) {
      Object value = claims.getClaim(name);
      if (value == null) {
        continue;
      }
      if (value instanceof String text) {
        for (String scope : text.split(" ")) {
          if (!scope.isEmpty()) {
            scopes.add(scope);
          }
        }
      } else if (value instanceof List<?> list) {
        for (Object scope : list) {
          if (!(scope instanceof String text)) {
            throw invalid("The access token claim " + name + " is malformed");
          }
          scopes.add(text);
        }
      } else {
        throw invalid("The access token claim " + name + " is malformed");
      }
    }
    return scopes;
  }

  private boolean typeAccepted(JOSEObjectType type) {
    if (type == null) {
      return typPolicy == TokenTypePolicy.LENIENT;
    }
    String value = type.getType().toLowerCase(Locale.ROOT);
    return (typPolicy == TokenTypePolicy.LENIENT ? LENIENT_TYPES : STRICT_TYPES).contains(value);
  }

  /**
   * A compact JWS is three base64url segments (RFC 7515 §7.1): no padding, no white space, no fourth or fifth
   * segment. Checked before Nimbus sees the token, whose base64 decoder would skip characters it does not know.
   */
  private static boolean isCompactJws(String token) {
    int dots = 0;
    int segmentLength = 0;
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c == '.') {
        if (segmentLength == 0 && dots < 2) {
          return false;
        }
        dots++;
        segmentLength = 0;
      } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
        segmentLength++;
      } else {
        return false;
      }
    }
    return dots == 2 && segmentLength > 0;
  }

  private static TokenRejectedException invalid(String description) {
    return new TokenRejectedException(INVALID_TOKEN, description);
  }

  private static JWSVerifier macVerifier(byte[] secret) {
    try {
      return new MACVerifier(secret);
    } catch (JOSEException e) {
      throw new IllegalStateException("Setting 'shared-secret' cannot be used as an HMAC key: " + e.getMessage(), e);
    }
  }

}
