package dev.tokengate.internal.token;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/**
 * A payload's registered claims typed exactly as {@link JWTClaimsSet#parse(Map)} types them, without the copy of
 * every claim into a new map that {@code JWTClaimsSet} makes (a measurable part of a first-seen token).
 *
 * <p>Each registered claim is typed as {@code JWTClaimsSet.parse} types it, and refused where it refuses it: {@code
 * iss} and {@code jti} as {@link JSONObjectUtils#getString} does; {@code sub} as a string, a number (its {@code
 * String.valueOf}) or null; {@code aud} as a string, a list through {@link JSONObjectUtils#getStringList}, or null;
 * {@code exp}, {@code nbf} and {@code iat} as {@link JSONObjectUtils#getEpochSecondAsDate} does (with one lookup in
 * Gson's tree map each, where those helpers make two). {@link #claim} answers as {@link JWTClaimsSet#getClaim} would.
 * The payload itself is still parsed by Nimbus ({@link JSONObjectUtils#parse}); {@code TokenClaimsTest} holds the two
 * to the same answers.
 */
final class TokenClaims {
  private final Map<String, Object> payload;
  private final String issuer;
  private final String subject;
  private final List<String> audience;
  private final long expiresAt;
  private final long notBefore;
  private final long issuedAt;

  private TokenClaims(Map<String, Object> payload, String issuer, String subject, List<String> audience,
      long expiresAt, long notBefore, long issuedAt) {
    this.payload = payload;
    this.issuer = issuer;
    this.subject = subject;
    this.audience = audience;
    this.expiresAt = expiresAt;
    this.notBefore = notBefore;
    this.issuedAt = issuedAt;
  }

  /**
   * Types the registered claims of a payload that {@link JSONObjectUtils#parse} produced.
   *
   * @throws ParseException where {@code JWTClaimsSet.parse} throws one
   */
  static TokenClaims of(Map<String, Object> payload) throws ParseException {
    String issuer = string(payload, JWTClaimNames.ISSUER);
    Object sub = payload.get(JWTClaimNames.SUBJECT);
    String subject;
    if (sub == null || sub instanceof String) {
      subject = (String) sub;
    } else if (sub instanceof Number) {
      subject = String.valueOf(sub);
    } else {
      throw new ParseException("Illegal sub claim", 0);
    }
    Object aud = payload.get(JWTClaimNames.AUDIENCE);
    List<String> audience;
    if (aud == null) {
      audience = List.of();
    } else if (aud instanceof String single) {
      audience = List.of(single);
    } else if (aud instanceof List) {
      audience = JSONObjectUtils.getStringList(payload, JWTClaimNames.AUDIENCE);
    } else {
      throw new ParseException("Illegal aud claim", 0);
    }
    long expiresAt = epochMillis(payload, JWTClaimNames.EXPIRATION_TIME);
    long notBefore = epochMillis(payload, JWTClaimNames.NOT_BEFORE);
    long issuedAt = epochMillis(payload, JWTClaimNames.ISSUED_AT);
    string(payload, JWTClaimNames.JWT_ID);
    return new TokenClaims(payload, issuer, subject, audience, expiresAt, notBefore, issuedAt);
  }

  /**
   * {@link JSONObjectUtils#getString}, with one map lookup instead of its two (Gson's map is a tree: each lookup
   * walks it comparing strings): null when absent or null, the string, else the same refusal.
   */
  private static String string(Map<String, Object> payload, String name) throws ParseException {
    Object value = payload.get(name);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw new ParseException("Unexpected type of JSON object member with key " + name, 0);
  }

  /**
   * {@link JSONObjectUtils#getEpochSecondAsDate} then {@code getTime()}, with one lookup: {@code Number.longValue()}
   * seconds times 1000 ({@code DateUtils.fromSecondsSinceEpoch}), {@link Long#MIN_VALUE} when absent or null.
   */
  private static long epochMillis(Map<String, Object> payload, String name) throws ParseException {
    Object value = payload.get(name);
    if (value == null) {
      return Long.MIN_VALUE;
    }
    if (value instanceof Number seconds) {
      try {
        // Nimbus multiplies without a check; a time past ~292 million years would wrap to the far past, turning an
        // absurd nbf into one long gone. Such a token is malformed.
        return Math.multiplyExact(seconds.longValue(), 1000L);
      } catch (ArithmeticException e) {
        throw new ParseException("JSON object member with key " + name + " is out of range", 0);
      }
    }
    throw new ParseException("Unexpected type of JSON object member with key " + name, 0);
  }

  /** The payload as Nimbus parsed it. */
  Map<String, Object> payload() {
    return payload;
  }

  String issuer() {
    return issuer;
  }

  String subject() {
    return subject;
  }

  /** The audiences, empty when {@code aud} is absent or null; may hold a null (a JSON null inside the array). */
  List<String> audience() {
    return audience;
  }

  /** {@code exp} in epoch milliseconds, {@link Long#MIN_VALUE} when absent. */
  long expiresAt() {
    return expiresAt;
  }

  /** {@code nbf} in epoch milliseconds, {@link Long#MIN_VALUE} when absent. */
  long notBefore() {
    return notBefore;
  }

  /** {@code iat} in epoch milliseconds, {@link Long#MIN_VALUE} when absent. */
  long issuedAt() {
    return issuedAt;
  }

  /**
   * A claim's value as {@link JWTClaimsSet#getClaim} gives it: {@code sub} and {@code aud} as typed above (a string,
   * a list of strings), every other claim as the JSON had it. ({@code JWTClaimsSet} gives {@code exp}, {@code nbf}
   * and {@code iat} as {@code Date}s rather than numbers; the callers here treat both alike, as neither a string nor
   * a list.)
   */
  Object claim(String name) {
    return switch (name) {
      case JWTClaimNames.SUBJECT -> subject;
      case JWTClaimNames.AUDIENCE -> payload.get(JWTClaimNames.AUDIENCE) == null ? null : audience;
      default -> payload.get(name);
    };
  }

  /** The registered claim names, as constants a {@code switch} accepts. */
  private static final class JWTClaimNames {
    static final String ISSUER = "iss";
    static final String SUBJECT = "sub";
    static final String AUDIENCE = "aud";
    static final String EXPIRATION_TIME = "exp";
    static final String NOT_BEFORE = "nbf";
    static final String ISSUED_AT = "iat";
    static final String JWT_ID = "jti";
  }
}
