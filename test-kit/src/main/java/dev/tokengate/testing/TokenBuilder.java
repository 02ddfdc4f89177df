package dev.tokengate.testing;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Builds and signs one access token. {@link TestIssuer#token()} starts it as an RFC 9068 access token of that issuer
 * ({@code typ at+jwt}; {@code iss}, {@code aud}, {@code client_id}, {@code sub}, {@code scope}, {@code iat}, {@code
 * nbf}, {@code exp}, {@code jti}); every header and claim can then be changed, including to values no honest issuer
 * would produce, and {@link #shapedLike(IdpPreset)} reshapes it as a given identity provider's token.
 *
 * <p>The hostile variants are one call each: {@link #expired()}, {@link #notYetValid()}, {@link #wrongAudience()},
 * {@link #wrongIssuer()}, {@link #signedWithForeignKey()}, {@link #tamperedPayload()}, {@link #algNone()}. A builder is
 * not thread-safe; {@link #sign()} can be called more than once.
 */
public final class TokenBuilder {
  /** The issuer {@link #wrongIssuer()} puts in {@code iss}. */
  public static final String WRONG_ISSUER = "https://wrong-issuer.example.com";

  /** The audience {@link #wrongAudience()} puts in {@code aud}. */
  public static final String WRONG_AUDIENCE = "someone-else";

  private final SigningKey key;
  private final Map<String, Object> claims = new LinkedHashMap<>();
  private final Map<String, Object> extraHeaders = new LinkedHashMap<>();
  private String algorithm;
  private String kid;
  private String type = "at+jwt";
  private Set<String> critical;
  private Instant now = Instant.now();
  private String clientIdClaim = "client_id";
  private String scopeClaim = "scope";
  private boolean scopeAsArray;
  private SigningKey signingKey;
  private boolean tamper;

  /**
   * A builder with no claims that signs with {@code key}, in its algorithm and with its {@code kid}.
   *
   * @param key the signing key
   */
  public TokenBuilder(SigningKey key) {
    this.key = requireNonNull(key, "key");
    this.signingKey = key;
    this.algorithm = key.algorithm();
    this.kid = key.kid();
  }

  /**
   * Sets a claim to any JSON value: String, Number, Boolean, List, Map, an {@link Instant} (written as epoch seconds),
   * or {@code null} to remove it.
   *
   * @param name the claim name
   * @param value the value, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder claim(String name, Object value) {
    requireNonNull(name, "name");
    if (value == null) {
      claims.remove(name);
    } else {
      claims.put(name, value instanceof Instant instant ? instant.getEpochSecond() : value);
    }
    return this;
  }

  /**
   * Sets {@code iss}.
   *
   * @param issuer the issuer URL, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder issuer(String issuer) {
    return claim("iss", issuer);
  }

  /**
   * Sets {@code aud} to exactly this JSON value: a String, a List of Strings, or anything else a test needs.
   *
   * @param audience the value, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder audience(Object audience) {
    return claim("aud", audience);
  }

  /**
   * Sets {@code aud} to a JSON array of these audiences (also for one audience: RFC 7519 allows both forms).
   *
   * @param audiences the audiences
   * @return this builder
   */
  public TokenBuilder audiences(String... audiences) {
    return claim("aud", List.of(audiences));
  }

  /**
   * Sets the client id in the claim the token's shape uses: {@code client_id} (RFC 9068, the default), or e.g.
   * {@code azp}, {@code cid}, {@code appid} after {@link #shapedLike(IdpPreset)}.
   *
   * @param clientId the client id, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder clientId(String clientId) {
    return claim(clientIdClaim, clientId);
  }

  /**
   * Sets {@code sub}.
   *
   * @param subject the subject, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder subject(String subject) {
    return claim("sub", subject);
  }

  /**
   * Sets the scopes in the claim and form the token's shape uses: a space-separated {@code scope} string by default
   * (RFC 9068 and RFC 8693), or e.g. an {@code scp} array after {@link #shapedLike(IdpPreset)} with {@link
   * IdpPreset#OKTA}. No scopes gives an empty string (or array).
   *
   * @param scopes the scopes
   * @return this builder
   */
  public TokenBuilder scope(String... scopes) {
    return claim(scopeClaim, scopeAsArray ? List.of(scopes) : String.join(" ", scopes));
  }

  /**
   * Sets {@code scope} as a JSON array of strings (as e.g. Spring Authorization Server sends it).
   *
   * @param scopes the scopes
   * @return this builder
   */
  public TokenBuilder scopeArray(String... scopes) {
    return claim("scope", List.of(scopes));
  }

  /**
   * Sets {@code scp} as a JSON array of strings (as Okta sends it).
   *
   * @param scopes the scopes
   * @return this builder
   */
  public TokenBuilder scp(String... scopes) {
    return claim("scp", List.of(scopes));
  }

  /**
   * Sets {@code roles} as a JSON array of strings (as Entra ID sends application permissions).
   *
   * @param roles the roles
   * @return this builder
   */
  public TokenBuilder roles(String... roles) {
    return claim("roles", List.of(roles));
  }

  /**
   * Sets {@code exp}.
   *
   * @param expiry the expiry, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder expiresAt(Instant expiry) {
    return claim("exp", expiry);
  }

  /**
   * Sets {@code nbf}.
   *
   * @param notBefore the start of validity, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder notBefore(Instant notBefore) {
    return claim("nbf", notBefore);
  }

  /**
   * Sets {@code iat}.
   *
   * @param issuedAt the issue time, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder issuedAt(Instant issuedAt) {
    return claim("iat", issuedAt);
  }

  /**
   * Issues the token at {@code issuedAt} for {@code lifetime}: sets {@code iat} and {@code nbf} to it and {@code exp}
   * to {@code issuedAt + lifetime}. The hostile time variants count from this instant too.
   *
   * @param issuedAt the issue time
   * @param lifetime how long the token is valid, positive
   * @return this builder
   */
  public TokenBuilder issuedAt(Instant issuedAt, Duration lifetime) {
    requireNonNull(issuedAt, "issuedAt");
    requireNonNull(lifetime, "lifetime");
    if (lifetime.isNegative() || lifetime.isZero()) {
      throw new IllegalArgumentException("lifetime must be positive, was " + lifetime);
    }
    this.now = issuedAt;
    return issuedAt(issuedAt).notBefore(claims.containsKey("nbf") ? issuedAt : null)
        .expiresAt(issuedAt.plus(lifetime));
  }

  /**
   * Sets {@code exp} to {@code iat + lifetime} (from now when the token has no {@code iat}).
   *
   * @param lifetime how long the token is valid, positive
   * @return this builder
   */
  public TokenBuilder lifetime(Duration lifetime) {
    Object iat = claims.get("iat");
    return issuedAt(iat instanceof Number n ? Instant.ofEpochSecond(n.longValue()) : now, lifetime);
  }

  /**
   * Sets {@code jti}.
   *
   * @param jti the token id, or {@code null} to remove the claim
   * @return this builder
   */
  public TokenBuilder jti(String jti) {
    return claim("jti", jti);
  }

  /**
   * The {@code alg} header, by its JOSE name (e.g. {@code "RS256"}, or {@code "HS256"} to forge an algorithm
   * confusion, or {@code "none"}); defaults to the key's algorithm. Signing uses the key as it is, so a header naming
   * another algorithm family gives a token no honest issuer would sign.
   *
   * @param algorithm the algorithm name
   * @return this builder
   */
  public TokenBuilder algorithm(String algorithm) {
    this.algorithm = requireNonNull(algorithm, "algorithm");
    return this;
  }

  /**
   * The {@code kid} header, or {@code null} for none; defaults to the key's id.
   *
   * @param kid the key id
   * @return this builder
   */
  public TokenBuilder kid(String kid) {
    this.kid = kid;
    return this;
  }

  /**
   * The {@code typ} header, or {@code null} for none; defaults to {@code at+jwt} (RFC 9068).
   *
   * @param type the type
   * @return this builder
   */
  public TokenBuilder type(String type) {
    this.type = type;
    return this;
  }

  /**
   * Any other header parameter, e.g. {@code jku}, {@code x5t} or a custom one, replacing the value this builder
   * would send. (For a header Nimbus would refuse to sign, e.g. a duplicate parameter, build the token by hand.)
   *
   * @param name the parameter name
   * @param value its JSON value
   * @return this builder
   */
  public TokenBuilder header(String name, Object value) {
    extraHeaders.put(requireNonNull(name, "name"), value);
    return this;
  }

  /**
   * The {@code crit} header.
   *
   * @param names the critical parameter names
   * @return this builder
   */
  public TokenBuilder critical(Set<String> names) {
    this.critical = Set.copyOf(names);
    return this;
  }

  /**
   * Reshapes the token as the identity provider issues it: header {@code typ}, the claims that carry the client id
   * and the scopes, the form of {@code aud}, and the claims that provider adds. The current client id, scopes and
   * audience are kept; later calls to {@link #clientId} and {@link #scope} use the provider's claims.
   *
   * @param preset the identity provider
   * @return this builder
   */
  public TokenBuilder shapedLike(IdpPreset preset) {
    requireNonNull(preset, "preset");
    Object clientId = claims.remove(clientIdClaim);
    Object scopes = claims.remove(scopeClaim);
    preset.reshape(this, clientId == null ? null : clientId.toString());
    if (clientId != null) {
      clientId(clientId.toString());
    }
    if (scopes != null) {
      scope(scopesOf(scopes));
    }
    return this;
  }

  // ---- hostile variants ----

  /**
   * Makes the token expired well beyond any allowed clock skew: issued 20 minutes before its issue time, expired 10
   * minutes before it.
   *
   * @return this builder
   */
  public TokenBuilder expired() {
    Instant issued = now.minus(Duration.ofMinutes(20));
    return issuedAt(issued).notBefore(claims.containsKey("nbf") ? issued : null)
        .expiresAt(now.minus(Duration.ofMinutes(10)));
  }

  /**
   * Makes the token valid only from 10 minutes after its issue time ({@code nbf}), beyond any allowed clock skew.
   *
   * @return this builder
   */
  public TokenBuilder notYetValid() {
    return notBefore(now.plus(Duration.ofMinutes(10))).expiresAt(now.plus(Duration.ofMinutes(20)));
  }

  /**
   * Addresses the token to {@value #WRONG_AUDIENCE} instead of the API.
   *
   * @return this builder
   */
  public TokenBuilder wrongAudience() {
    return audience(WRONG_AUDIENCE);
  }

  /**
   * Names {@value #WRONG_ISSUER} as {@code iss}; the signature stays the real issuer's.
   *
   * @return this builder
   */
  public TokenBuilder wrongIssuer() {
    return issuer(WRONG_ISSUER);
  }

  /**
   * Signs with a new key of the same algorithm and {@code kid} that no issuer published: an attacker's key.
   *
   * @return this builder
   */
  public TokenBuilder signedWithForeignKey() {
    this.signingKey = switch (key.algorithm()) {
      case "EdDSA" -> SigningKey.ed25519(key.kid());
      case "ES256", "ES384", "ES512" -> SigningKey.ec(key.kid(), key.algorithm());
      case "HS256", "HS384", "HS512" -> SigningKey.hmac(randomSecret(), key.algorithm());
      default -> SigningKey.rsa(key.kid(), 2048, key.algorithm());
    };
    return this;
  }

  /**
   * Changes the payload after signing (its {@code exp} one hour later, as an attacker extending a stolen token
   * would), keeping the original signature: the signature no longer matches.
   *
   * @return this builder
   */
  public TokenBuilder tamperedPayload() {
    this.tamper = true;
    return this;
  }

  /**
   * Sends the token unsecured: {@code alg: none} and an empty signature (RFC 7519 §6).
   *
   * @return this builder
   */
  public TokenBuilder algNone() {
    return algorithm("none");
  }

  /**
   * The claims as they stand, a copy, e.g. for a test that signs a modified payload with {@link #signPayload}.
   *
   * @return the claims
   */
  public Map<String, Object> claims() {
    return new LinkedHashMap<>(claims);
  }

  /**
   * Signs the claims and returns the compact serialization ({@code header.payload.signature}).
   *
   * @return the token
   */
  public String sign() {
    String token = signPayload(JSONObjectUtils.toJSONString(claims), signingKey);
    if (!tamper) {
      return token;
    }
    Map<String, Object> changed = new LinkedHashMap<>(claims);
    Object exp = changed.get("exp");
    changed.put("exp", (exp instanceof Number n ? n.longValue() : now.getEpochSecond()) + 3600);
    String[] parts = token.split("\\.", -1);
    return parts[0] + "." + Base64URL.encode(JSONObjectUtils.toJSONString(changed)) + "." + parts[2];
  }

  /**
   * Signs an arbitrary payload string (e.g. invalid JSON or duplicate claim names) with this builder's header.
   *
   * @param payload the payload, used as it is
   * @return the token
   */
  public String signPayload(String payload) {
    return signPayload(payload, signingKey);
  }

  /**
   * Signs an arbitrary payload with another key (e.g. HMAC with an RSA public key as the secret, for an algorithm
   * confusion test), keeping this builder's header.
   *
   * @param payload the payload, used as it is
   * @param with the key to sign with
   * @return the token
   */
  public String signPayload(String payload, SigningKey with) {
    requireNonNull(payload, "payload");
    requireNonNull(with, "with");
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", algorithm);
    if (kid != null) {
      header.put("kid", kid);
    }
    if (type != null) {
      header.put("typ", type);
    }
    if (critical != null) {
      header.put("crit", List.copyOf(critical));
    }
    header.putAll(extraHeaders);
    if ("none".equals(algorithm)) {
      return Base64URL.encode(JSONObjectUtils.toJSONString(header)) + "." + Base64URL.encode(payload) + ".";
    }
    JWSHeader parsed;
    try {
      parsed = JWSHeader.parse(header);
    } catch (java.text.ParseException e) {
      throw new IllegalStateException("Nimbus cannot sign this header: " + e.getMessage(), e);
    }
    JWSObject jws = new JWSObject(parsed, new Payload(payload));
    try {
      jws.sign(with.signer());
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a " + algorithm + " header with " + with, e);
    }
    return jws.serialize();
  }

  // ---- for IdpPreset ----

  void clientIdClaim(String name) {
    this.clientIdClaim = name;
  }

  void scopeClaim(String name, boolean asArray) {
    this.scopeClaim = name;
    this.scopeAsArray = asArray;
  }

  Object claimValue(String name) {
    return claims.get(name);
  }

  static TokenBuilder typical(SigningKey key, String issuer, Instant now) {
    TokenBuilder builder = new TokenBuilder(key);
    builder.now = now;
    return builder
        .issuer(issuer)
        .audience("api")
        .clientId("orders-service")
        .subject("orders-service")
        .scope("countries:read", "orders:write")
        .issuedAt(now)
        .notBefore(now)
        .expiresAt(now.plusSeconds(300))
        .claim("jti", UUID.randomUUID().toString());
  }

  private static String[] scopesOf(Object value) {
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).toArray(String[]::new);
    }
    String text = value.toString().trim();
    return text.isEmpty() ? new String[0] : text.split(" +");
  }

  private static byte[] randomSecret() {
    byte[] secret = new byte[64];
    new java.security.SecureRandom().nextBytes(secret);
    return Arrays.copyOf(secret, secret.length);
  }
}
