package dev.tokengate.internal.token;

import static dev.tokengate.BearerError.INVALID_TOKEN;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenTypePolicy;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.jwks.KeyBinding;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validation pipeline: syntax, header, issuer, key, signature, claims; the first failure decides the answer.
 *
 * <p>The order is deliberate: everything checkable without a key (syntax, {@code alg}, {@code typ}, {@code crit},
 * {@code iss}) comes first, so a forged or foreign token never causes a key fetch; claims are judged only after the
 * signature proved who wrote them.
 */
public final class AccessTokenVerifier {
  private static final Logger log = LoggerFactory.getLogger(AccessTokenVerifier.class);
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
    return verifyToken(token).principal();
  }

  /** Like {@link #verify}, also telling which key verified the token and its {@code nbf} and {@code iat}. */
  public VerifiedToken verifyToken(String token) throws TokenRejectedException, KeysUnavailableException {
    if (token.length() > maxTokenLength) {
      throw logged(invalid("The access token is too long"));
    }
    // A compact JWS is three base64url segments (RFC 7515 §7.1): no padding, no white space, no fourth segment. The
    // dots and padding are checked here; the JDK's base64url decoder below refuses every other character outside
    // the alphabet, a third dot included. One Latin-1 copy serves the decoding and the signing input (a character
    // outside Latin-1 becomes '?', which the decoder refuses).
    int firstDot = token.indexOf('.');
    int lastDot = token.lastIndexOf('.');
    if (firstDot <= 0 || lastDot <= firstDot + 1 || lastDot == token.length() - 1 || token.indexOf('=') >= 0) {
      throw logged(invalid("The access token is malformed"));
    }
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    // One spelling per token: before any decoding, caching or signature check (see CanonicalBase64Url).
    if (!CanonicalBase64Url.isCanonical(bytes, 0, firstDot)
        || !CanonicalBase64Url.isCanonical(bytes, firstDot + 1, lastDot)
        || !CanonicalBase64Url.isCanonical(bytes, lastDot + 1, bytes.length)) {
      throw logged(invalid("The access token is malformed"));
    }
    JWSHeader header;
    Map<String, Object> payload;
    JWTClaimsSet claims;
    byte[] signatureBytes;
    try {
      // The parts are decoded here with the JDK's decoder rather than through SignedJWT: Nimbus decodes base64 in
      // constant time, a defence meant for secret keys that made up half the cost of a first-seen token; a token's
      // parts hold nothing secret from the caller who sent them.
      header = JWSHeader.parse(decodeToString(bytes, 0, firstDot));
      payload = JSONObjectUtils.parse(decodeToString(bytes, firstDot + 1, lastDot));
      claims = JWTClaimsSet.parse(payload);
      signatureBytes = java.util.Base64.getUrlDecoder().decode(Arrays.copyOfRange(bytes, lastDot + 1, bytes.length));
      for (String audience : claims.getAudience()) {
        // Nimbus keeps a JSON null inside "aud": [null, "api"]; the immutable audience sets below throw on it,
        // which answered a signed token 500. An audience that is not a string is malformed like any other.
        if (audience == null) {
          throw new ParseException("aud holds null", 0);
        }
      }
    } catch (ParseException | RuntimeException e) {
      // Nimbus reports wrong claim types and broken JSON alike as ParseException; both are the token's fault.
      throw logged(invalid("The access token is malformed"));
    }
    try {
      return check(token, bytes, lastDot, header, payload, claims, signatureBytes);
    } catch (TokenRejectedException e) {
      if (log.isDebugEnabled()) {
        log.debug("Rejected access token: {} (kid={}, client_id={})", e.description(),
            loggable(header.getKeyID()), loggable(unverifiedClientId(claims)));
      }
      throw e;
    }
  }

  private VerifiedToken check(String token, byte[] bytes, int lastDot, JWSHeader header, Map<String, Object> payload,
      JWTClaimsSet claims, byte[] signatureBytes) throws TokenRejectedException, KeysUnavailableException {
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
    byte[] signingInput = Arrays.copyOf(bytes, lastDot);
    Base64URL signature = new DecodedBase64URL(token.substring(lastDot + 1), signatureBytes);
    JWSVerifier verifiedBy = signatureVerifier(header, signingInput, signature, candidates);
    if (verifiedBy == null) {
      throw invalid("The access token signature is invalid");
    }
    checkTimes(claims);
    checkAudience(claims, issuer.audiences());
    // The claims as Nimbus typed them (a hash map), not the parsed payload (Gson's tree map, slower to search): the
    // claims TokenKind reads are unregistered ones, which Nimbus keeps as the JSON had them.
    if (TokenKind.isOtherThanAccessToken(claims.getClaims())) {
      throw invalid("The token is not an access token");
    }
    CachedToken entry = new CachedToken(clientId(claims), claims.getSubject(), issuer.issuer(), claims.getAudience(),
        scopes(claims), claims.getExpirationTime().getTime(), millisOrAbsent(claims.getNotBeforeTime()),
        millisOrAbsent(claims.getIssueTime()),
        verifiedBy == macVerifier ? KeyBinding.FIXED : issuer.keys().bindingFor(verifiedBy),
        certificateThumbprint(claims.getClaim("cnf")));
    // The claims as the token's JSON has them: no second conversion through JWTClaimsSet.toJSONObject(), and no copy
    // unless the application asks for them.
    return new VerifiedToken(entry, header.getKeyID(), payload);
  }

  /**
   * The token's {@code cnf.x5t#S256} (RFC 8705 §3.1): the base64url SHA-256 of the DER certificate the token is bound
   * to, {@code null} when the token has no {@code cnf} or no {@code x5t#S256} in it. A {@code cnf} that is not a JSON
   * object, or an {@code x5t#S256} that is not 43 canonical base64url characters, is refused here, wherever the token
   * is used: a binding that cannot be read must never let the token pass as an unbound one.
   */
  static String certificateThumbprint(Object cnf) throws TokenRejectedException {
    if (cnf == null) {
      return null;
    }
    if (!(cnf instanceof Map<?, ?> confirmation)) {
      throw invalid("The access token's cnf claim is not a JSON object");
    }
    Object x5t = confirmation.get("x5t#S256");
    if (x5t == null && !confirmation.containsKey("x5t#S256")) {
      return null;
    }
    if (!(x5t instanceof String thumbprint) || thumbprint.length() != 43
        || !CanonicalBase64Url.isCanonical(thumbprint.getBytes(StandardCharsets.ISO_8859_1), 0, 43)
        || !thumbprint.chars().allMatch(AccessTokenVerifier::isBase64UrlChar)) {
      throw invalid("The access token's cnf.x5t#S256 is not a SHA-256 certificate thumbprint");
    }
    return thumbprint;
  }

  private static boolean isBase64UrlChar(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  private static long millisOrAbsent(Date date) {
    return date == null ? Long.MIN_VALUE : date.getTime();
  }

  private List<JWSVerifier> verifiersFor(JWSHeader header, IssuerKeys keys) throws KeysUnavailableException {
    if (JWSAlgorithm.Family.HMAC_SHA.contains(header.getAlgorithm())) {
      return macVerifier == null ? List.of() : List.of(macVerifier);
    }
    return keys == null ? List.of() : keys.verifiersFor(header);
  }

  /** The candidate whose key verifies the signature, {@code null} when none does. */
  private static JWSVerifier signatureVerifier(
      JWSHeader header, byte[] signingInput, Base64URL signature, List<JWSVerifier> candidates) {
    for (JWSVerifier verifier : candidates) {
      try {
        if (verifier.verify(header, signingInput, signature)) {
          return verifier;
        }
      } catch (JOSEException | RuntimeException e) {
        // A malformed signature (wrong length, bad DER) is simply not a valid one.
      }
    }
    return null;
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
   * The payload of a token that passed validation, parsed exactly as {@link #verifyToken} parsed it: the claims of a
   * principal served from the cache come from here, from the request's own token.
   */
  static Map<String, Object> payloadOf(String token) {
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    try {
      return JSONObjectUtils.parse(decodeToString(bytes, token.indexOf('.') + 1, token.lastIndexOf('.')));
    } catch (ParseException e) {
      // Impossible for a token that was validated: the same bytes parsed then.
      throw new IllegalStateException("A validated token's payload no longer parses", e);
    }
  }

  /** Decodes {@code token[from, to)} as base64url, then as UTF-8; refuses characters outside base64url. */
  private static String decodeToString(byte[] token, int from, int to) {
    return new String(java.util.Base64.getUrlDecoder().decode(Arrays.copyOfRange(token, from, to)),
        StandardCharsets.UTF_8);
  }

  /** The signature part with its bytes already decoded by the JDK's decoder (see verifyToken). */
  private static final class DecodedBase64URL extends Base64URL {
    private final byte[] decoded;

    DecodedBase64URL(String value, byte[] decoded) {
      super(value);
      this.decoded = decoded;
    }

    @Override
    public byte[] decode() {
      return decoded.clone();
    }
  }

  private static TokenRejectedException logged(TokenRejectedException e) {
    log.debug("Rejected access token: {}", e.description());
    return e;
  }

  private String unverifiedClientId(JWTClaimsSet claims) {
    for (String name : clientIdClaims) {
      if (claims.getClaim(name) instanceof String id) {
        return id;
      }
    }
    return null;
  }

  /**
   * A kid or client id is the sender's text: logged only when it looks like an identifier, so that a forged value
   * cannot inject lines or a token into the log.
   */
  private static String loggable(String value) {
    if (value == null) {
      return "-";
    }
    if (value.length() > 64 || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      return "(unprintable)";
    }
    return value;
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
