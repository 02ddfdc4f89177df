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
import dev.tokengate.ClientPrincipal;
import dev.tokengate.DpopMode;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenTypePolicy;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.jwks.KeyBinding;
import dev.tokengate.internal.jwks.TokenSignatureVerifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.ArrayList;
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
  /** A configured issuer as the checks need it; {@code dpopOff}: its DPoP mode is {@code off}. */
  private record Trusted(String issuer, Set<String> audiences, IssuerKeys keys, boolean dpopOff) {}

  private final Map<String, Trusted> issuers;
  private final Set<JWSAlgorithm> algorithms;
  private final TokenTypePolicy typPolicy;
  private final long clockSkewMillis;
  private final List<String> clientIdClaims;
  private final List<String> scopeClaims;
  private final int maxTokenLength;
  private final Clock clock;
  private final JWSVerifier macVerifier;
  private final HeaderCache headers = new HeaderCache();

  /**
   * @param keysByIssuer the keys of each of {@link TokenGateConfig#trustedIssuers()}, by issuer URL; empty when only
   *     a shared secret is used
   */
  public AccessTokenVerifier(TokenGateConfig config, Map<String, IssuerKeys> keysByIssuer) {
    Map<String, Trusted> trusted = new HashMap<>();
    for (TrustedIssuer entry : config.trustedIssuers()) {
      trusted.put(entry.issuer(),
          new Trusted(entry.issuer(), Set.copyOf(entry.audiences()), keysByIssuer.get(entry.issuer()),
              entry.dpopMode() == DpopMode.OFF));
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

  /** The cache of verified headers (for tests). */
  HeaderCache headerCache() {
    return headers;
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
    // the alphabet, a third dot (which lands in the signature segment) included. The second dot is found forwards:
    // String.lastIndexOf is a plain loop, several times the cost of the JDK's intrinsic forward scan. One Latin-1
    // copy serves the decoding and the signing input (a character outside Latin-1 becomes '?', which the decoder
    // refuses; a header found in the header cache is the exact text of one that decoded, so it holds no '?').
    int firstDot = token.indexOf('.');
    int secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (firstDot <= 0 || secondDot <= firstDot + 1 || secondDot == token.length() - 1 || token.indexOf('=') >= 0) {
      throw logged(invalid("The access token is malformed"));
    }
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    // One spelling per token: before any decoding, caching or signature check (see CanonicalBase64Url).
    if (!CanonicalBase64Url.isCanonical(bytes, 0, firstDot)
        || !CanonicalBase64Url.isCanonical(bytes, firstDot + 1, secondDot)
        || !CanonicalBase64Url.isCanonical(bytes, secondDot + 1, bytes.length)) {
      throw logged(invalid("The access token is malformed"));
    }
    // The header first, alone: everything it decides (alg, typ, crit) is refused before the payload is parsed.
    JWSHeader header = headers.find(bytes, 0, firstDot);
    boolean headerCached = header != null;
    try {
      if (!headerCached) {
        header = JWSHeader.parse(decodeToString(bytes, 0, firstDot));
      }
    } catch (ParseException | RuntimeException e) {
      throw logged(invalid("The access token is malformed"));
    }
    try {
      checkHeader(header);
    } catch (TokenRejectedException e) {
      if (log.isDebugEnabled()) {
        // The payload is not parsed yet: no client id to name.
        log.debug("Rejected access token: {} (kid={}, client_id=-)", e.description(), loggable(header.getKeyID()));
      }
      throw e;
    }
    TokenClaims claims;
    byte[] signatureBytes;
    try {
      // The parts are decoded here with the JDK's decoder rather than through SignedJWT: Nimbus decodes base64 in
      // constant time, a defence meant for secret keys that made up half the cost of a first-seen token; a token's
      // parts hold nothing secret from the caller who sent them. The payload is parsed by Nimbus once; its
      // registered claims are typed as JWTClaimsSet.parse types them, without JWTClaimsSet's copy (TokenClaims).
      claims = TokenClaims.of(JSONObjectUtils.parse(decodeToString(bytes, firstDot + 1, secondDot)));
      signatureBytes = decode(bytes, secondDot + 1, bytes.length);
      for (String audience : claims.audience()) {
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
      VerifiedToken verified = check(bytes, secondDot, header, claims, signatureBytes);
      if (!headerCached) {
        // Only a header whose token verified is kept: no forged token can fill or thrash the header cache.
        headers.remember(bytes, 0, firstDot, header);
      }
      return verified;
    } catch (TokenRejectedException e) {
      if (log.isDebugEnabled()) {
        log.debug("Rejected access token: {} (kid={}, client_id={})", e.description(),
            loggable(header.getKeyID()), loggable(unverifiedClientId(claims)));
      }
      throw e;
    }
  }

  /** The checks the header alone decides: the same for a header parsed now and one found in the header cache. */
  private void checkHeader(JWSHeader header) throws TokenRejectedException {
    if (!algorithms.contains(header.getAlgorithm())) {
      throw invalid("The access token signing algorithm is not accepted");
    }
    if (!typeAccepted(header.getType())) {
      throw invalid("The access token type is not accepted");
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      throw invalid("The access token has an unsupported critical header");
    }
  }

  private VerifiedToken check(byte[] bytes, int secondDot, JWSHeader header, TokenClaims claims,
      byte[] signatureBytes) throws TokenRejectedException, KeysUnavailableException {
    // The unverified iss only selects among configured issuers: an unknown one is refused before any key is fetched.
    Trusted issuer = claims.issuer() == null ? null : issuers.get(claims.issuer());
    if (issuer == null) {
      throw invalid("The access token was issued by an untrusted issuer");
    }
    List<JWSVerifier> candidates = verifiersFor(header, issuer.keys());
    if (candidates.isEmpty()) {
      throw invalid("The access token was signed with an unknown key");
    }
    JWSVerifier verifiedBy = signatureVerifier(header, bytes, secondDot, signatureBytes, candidates);
    if (verifiedBy == null) {
      throw invalid("The access token signature is invalid");
    }
    checkTimes(claims);
    checkAudience(claims, issuer.audiences());
    if (TokenKind.isOtherThanAccessToken(claims.payload())) {
      throw invalid("The token is not an access token");
    }
    CachedToken entry = new CachedToken(clientId(claims), claims.subject(), issuer.issuer(), claims.audience(),
        scopes(claims), claims.expiresAt(), claims.notBefore(), claims.issuedAt(),
        verifiedBy == macVerifier ? KeyBinding.FIXED : issuer.keys().bindingFor(verifiedBy),
        Confirmation.certificateThumbprint(claims.claim("cnf"), issuer.dpopOff()));
    // The claims as the token's JSON has them: no second conversion through JWTClaimsSet.toJSONObject(), and no copy
    // unless the application asks for them.
    return new VerifiedToken(entry, header.getKeyID(), claims.payload());
  }

  private List<JWSVerifier> verifiersFor(JWSHeader header, IssuerKeys keys) throws KeysUnavailableException {
    if (JWSAlgorithm.Family.HMAC_SHA.contains(header.getAlgorithm())) {
      return macVerifier == null ? List.of() : List.of(macVerifier);
    }
    return keys == null ? List.of() : keys.verifiersFor(header);
  }

  /**
   * The candidate whose key verifies the signature over {@code bytes[0, signingInputLength)}, {@code null} when none
   * does. The JCA verifiers read the signing input in place; another verifier (HMAC) gets it copied.
   */
  private static JWSVerifier signatureVerifier(JWSHeader header, byte[] bytes, int signingInputLength,
      byte[] signature, List<JWSVerifier> candidates) {
    byte[] signingInput = null;
    for (JWSVerifier verifier : candidates) {
      try {
        boolean valid;
        if (verifier instanceof TokenSignatureVerifier inPlace) {
          valid = inPlace.verify(header.getAlgorithm(), bytes, signingInputLength, signature);
        } else {
          if (signingInput == null) {
            signingInput = Arrays.copyOf(bytes, signingInputLength);
          }
          valid = verifier.verify(header, signingInput, Base64URL.encode(signature));
        }
        if (valid) {
          return verifier;
        }
      } catch (JOSEException | RuntimeException e) {
        // A malformed signature (wrong length, bad DER) is simply not a valid one.
      }
    }
    return null;
  }

  private void checkTimes(TokenClaims claims) throws TokenRejectedException {
    long now = clock.millis();
    long expiry = claims.expiresAt();
    if (expiry == Long.MIN_VALUE) {
      throw invalid("The access token has no expiry");
    }
    if (now - clockSkewMillis >= expiry) {
      throw invalid("The access token expired");
    }
    long notBefore = claims.notBefore();
    if (notBefore != Long.MIN_VALUE && now + clockSkewMillis < notBefore) {
      throw invalid("The access token is not valid yet");
    }
    long issuedAt = claims.issuedAt();
    if (issuedAt != Long.MIN_VALUE && now + clockSkewMillis < issuedAt) {
      throw invalid("The access token was issued in the future");
    }
  }

  private static void checkAudience(TokenClaims claims, Set<String> audiences) throws TokenRejectedException {
    if (audiences.isEmpty()) {
      // Only possible with allow-any-audience: the configuration refuses an issuer without audiences otherwise.
      return;
    }
    for (String audience : claims.audience()) {
      if (audiences.contains(audience)) {
        return;
      }
    }
    throw invalid("The access token is for another audience");
  }

  private String clientId(TokenClaims claims) throws TokenRejectedException {
    for (String name : clientIdClaims) {
      Object value = claims.claim(name);
      if (value instanceof String id && !id.isBlank()) {
        return id;
      }
      if (value != null && !(value instanceof String)) {
        throw invalid("The access token claim " + name + " is malformed");
      }
    }
    throw invalid("The access token does not name its client");
  }

  /** The scopes of every configured scope claim, in order, duplicates included (the entry keeps them as a set). */
  private List<String> scopes(TokenClaims claims) throws TokenRejectedException {
    List<String> scopes = new ArrayList<>();
    for (String name : scopeClaims) {
      Object value = claims.claim(name);
      if (value == null) {
        continue;
      }
      if (value instanceof String text) {
        // Space-separated (RFC 6749 §3.3); runs of spaces and leading or trailing ones make no empty scope.
        int start = 0;
        int length = text.length();
        while (start < length) {
          int end = text.indexOf(' ', start);
          if (end < 0) {
            end = length;
          }
          if (end > start) {
            scopes.add(text.substring(start, end));
          }
          start = end + 1;
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
      int firstDot = token.indexOf('.');
      return JSONObjectUtils.parse(decodeToString(bytes, firstDot + 1, token.indexOf('.', firstDot + 1)));
    } catch (ParseException e) {
      // Impossible for a token that was validated: the same bytes parsed then.
      throw new IllegalStateException("A validated token's payload no longer parses", e);
    }
  }

  /** Decodes {@code token[from, to)} as base64url, then as UTF-8; refuses characters outside base64url. */
  private static String decodeToString(byte[] token, int from, int to) {
    return new String(decode(token, from, to), StandardCharsets.UTF_8);
  }

  /** Decodes {@code token[from, to)} as base64url, in place (no copy of the range); refuses other characters. */
  private static byte[] decode(byte[] token, int from, int to) {
    ByteBuffer decoded = Base64.getUrlDecoder().decode(ByteBuffer.wrap(token, from, to - from));
    byte[] array = decoded.array();
    return decoded.remaining() == array.length ? array : Arrays.copyOf(array, decoded.remaining());
  }

  private static TokenRejectedException logged(TokenRejectedException e) {
    log.debug("Rejected access token: {}", e.description());
    return e;
  }

  private String unverifiedClientId(TokenClaims claims) {
    for (String name : clientIdClaims) {
      if (claims.claim(name) instanceof String id) {
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
