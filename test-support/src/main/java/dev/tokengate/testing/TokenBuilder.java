package dev.tokengate.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Builds and signs a token. Starts from a realistic client-credentials access token (see {@link TestIssuer#token()})
 * and lets a test change any header or claim, including to values no honest issuer would produce.
 */
public final class TokenBuilder {
  private final SigningKey key;
  private final Map<String, Object> claims = new LinkedHashMap<>();
  private JWSAlgorithm algorithm;
  private String kid;
  private String type = "at+jwt";
  private final Map<String, Object> extraHeaders = new LinkedHashMap<>();
  private Set<String> critical;

  public TokenBuilder(SigningKey key) {
    this.key = key;
    this.algorithm = key.algorithm();
    this.kid = key.kid();
  }

  /** Sets a claim to any JSON value: String, Number, Boolean, List, Map, or {@code null} to remove it. */
  public TokenBuilder claim(String name, Object value) {
    if (value == null) {
      claims.remove(name);
    } else {
      claims.put(name, value instanceof Instant instant ? instant.getEpochSecond() : value);
    }
    return this;
  }

  public TokenBuilder issuer(String issuer) {
    return claim("iss", issuer);
  }

  public TokenBuilder audience(Object audience) {
    return claim("aud", audience);
  }

  public TokenBuilder clientId(String clientId) {
    return claim("client_id", clientId);
  }

  public TokenBuilder subject(String subject) {
    return claim("sub", subject);
  }

  /** Sets {@code scope} as a space-separated string. */
  public TokenBuilder scope(String... scopes) {
    return claim("scope", String.join(" ", scopes));
  }

  public TokenBuilder expiresAt(Instant expiry) {
    return claim("exp", expiry);
  }

  public TokenBuilder notBefore(Instant notBefore) {
    return claim("nbf", notBefore);
  }

  public TokenBuilder issuedAt(Instant issuedAt) {
    return claim("iat", issuedAt);
  }

  /** The {@code alg} header; defaults to the key's algorithm. */
  public TokenBuilder algorithm(JWSAlgorithm algorithm) {
    this.algorithm = algorithm;
    return this;
  }

  /** The {@code kid} header, or {@code null} for none; defaults to the key's id. */
  public TokenBuilder kid(String kid) {
    this.kid = kid;
    return this;
  }

  /** The {@code typ} header, or {@code null} for none; defaults to {@code at+jwt}. */
  public TokenBuilder type(String type) {
    this.type = type;
    return this;
  }

  /** Any other header parameter, e.g. {@code jku}. */
  public TokenBuilder header(String name, Object value) {
    extraHeaders.put(name, value);
    return this;
  }

  /** The {@code crit} header. */
  public TokenBuilder critical(Set<String> names) {
    this.critical = names;
    return this;
  }

  /** The claims as they stand, for tests that sign a modified payload themselves. */
  public Map<String, Object> claims() {
    return new LinkedHashMap<>(claims);
  }

  /** Signs the claims with the key. */
  public String sign() {
    return signPayload(JSONObjectUtils.toJSONString(claims));
  }

  /** Signs an arbitrary payload string, e.g. invalid JSON or duplicate claim names, with this builder's header. */
  public String signPayload(String payload) {
    return signPayload(payload, key.signer());
  }

  /** Signs with another signer (e.g. HMAC with an RSA public key as the secret), keeping this builder's header. */
  public String signPayload(String payload, JWSSigner signer) {
    JWSHeader.Builder header = new JWSHeader.Builder(algorithm).keyID(kid);
    if (type != null) {
      header.type(new JOSEObjectType(type));
    }
    if (critical != null) {
      header.criticalParams(critical);
    }
    extraHeaders.forEach(header::customParam);
    JWSObject jws = new JWSObject(header.build(), new Payload(payload));
    try {
      jws.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jws.serialize();
  }

  static TokenBuilder typical(SigningKey key, String issuer, Instant now) {
    return new TokenBuilder(key)
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

}
