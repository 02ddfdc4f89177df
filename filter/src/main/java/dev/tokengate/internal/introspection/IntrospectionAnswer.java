package dev.tokengate.internal.introspection;

import static dev.tokengate.BearerError.INVALID_TOKEN;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.internal.token.Confirmation;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One introspection answer (RFC 7662 §2.2), judged once when it arrives: either inactive, or active and refused for
 * a reason that does not change with time (issuer, type, audience, client id, scopes), or active and acceptable
 * within its times, which {@link #principal} checks on every use with the clock skew, as the JWT path does.
 */
final class IntrospectionAnswer {
  static final IntrospectionAnswer INACTIVE = new IntrospectionAnswer(false, null, null, 0, Long.MIN_VALUE,
      Long.MIN_VALUE);

  /** What an answer is checked against, for the issuer it came from. */
  record Rules(String issuer, Set<String> audiences, List<String> clientIdClaims, List<String> scopeClaims,
      boolean dpopOff) {}

  private final boolean active;
  private final ClientPrincipal principal;
  private final String rejection;
  private final long expiresAtMillis;
  private final long notBeforeMillis;
  private final long issuedAtMillis;

  private IntrospectionAnswer(boolean active, ClientPrincipal principal, String rejection, long expiresAtMillis,
      long notBeforeMillis, long issuedAtMillis) {
    this.active = active;
    this.principal = principal;
    this.rejection = rejection;
    this.expiresAtMillis = expiresAtMillis;
    this.notBeforeMillis = notBeforeMillis;
    this.issuedAtMillis = issuedAtMillis;
  }

  /** Whether the answer is usable beyond the negative TTL: active, and not refused for good. */
  boolean acceptable() {
    return active && rejection == null;
  }

  /** The token's {@code exp} in epoch millis; meaningful only when {@link #acceptable()}. */
  long expiresAtMillis() {
    return expiresAtMillis;
  }

  /**
   * Reads an answer: a 200 with a JSON object whose {@code active} is a boolean, or else an {@link
   * IntrospectionFailure} (the endpoint's fault, not the caller's). Members of the wrong type in an active answer
   * refuse the token, as they would in a JWT.
   */
  static IntrospectionAnswer read(IntrospectionHttp.Reply reply, String source, Rules rules)
      throws IntrospectionFailure {
    if (reply.status() != 200) {
      throw new IntrospectionFailure(source + " answered HTTP " + reply.status());
    }
    String contentType = reply.contentType().toLowerCase(Locale.ROOT);
    if (!contentType.startsWith("application/json") && !contentType.matches("application/[^;]*\\+json.*")) {
      throw new IntrospectionFailure(source + " answered with Content-Type '" + reply.contentType()
          + "', not an introspection response (application/json)");
    }
    Map<String, Object> members;
    try {
      members = JSONObjectUtils.parse(new String(reply.body(), StandardCharsets.UTF_8));
    } catch (ParseException | RuntimeException e) {
      throw new IntrospectionFailure(source + " answered with a body that is not a JSON object");
    }
    return judge(members, source, rules);
  }

  /** Judges the members of an introspection response (a JSON object, or the claims of a signed one). */
  static IntrospectionAnswer judge(Map<String, Object> members, String source, Rules rules)
      throws IntrospectionFailure {
    Object active = members.get("active");
    if (!(active instanceof Boolean)) {
      throw new IntrospectionFailure(source + " answered without a boolean 'active' member ("
          + (active == null ? "missing" : "a " + active.getClass().getSimpleName()) + ")");
    }
    if (!((Boolean) active)) {
      return INACTIVE;
    }
    try {
      long exp = seconds(members, "exp");
      long nbf = seconds(members, "nbf");
      long iat = seconds(members, "iat");
      String rejection = refusal(members, rules, exp);
      if (rejection == null) {
        try {
          // The answer's cnf (RFC 8705 §3.2, RFC 9449 §6.2) binds the token as a JWT's would, and is read alike.
          Confirmation.certificateThumbprint(members.get("cnf"), rules.dpopOff());
        } catch (TokenRejectedException e) {
          rejection = e.description();
        }
      }
      if (rejection != null) {
        return new IntrospectionAnswer(true, null, rejection, exp, nbf, iat);
      }
      ClientPrincipal principal = new ClientPrincipal(clientId(members, rules), text(members, "sub"),
          rules.issuer(), audiences(members), scopes(members, rules), Instant.ofEpochMilli(exp), members);
      return new IntrospectionAnswer(true, principal, null, exp, nbf, iat);
    } catch (Malformed e) {
      return new IntrospectionAnswer(true, null, e.getMessage(), Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE);
    }
  }

  /**
   * The caller this answer describes, if the token is acceptable at {@code nowMillis}.
   *
   * @throws TokenRejectedException {@code invalid_token}: inactive, refused, expired or not yet valid
   */
  ClientPrincipal principal(long nowMillis, long skewMillis) throws TokenRejectedException {
    if (!active) {
      throw invalid("The access token is not active");
    }
    if (rejection != null) {
      throw invalid(rejection);
    }
    if (nowMillis - skewMillis >= expiresAtMillis) {
      throw invalid("The access token expired");
    }
    if (notBeforeMillis != Long.MIN_VALUE && nowMillis + skewMillis < notBeforeMillis) {
      throw invalid("The access token is not valid yet");
    }
    if (issuedAtMillis != Long.MIN_VALUE && nowMillis + skewMillis < issuedAtMillis) {
      throw invalid("The access token was issued in the future");
    }
    return principal;
  }

  private static String refusal(Map<String, Object> members, Rules rules, long exp) throws Malformed {
    String iss = text(members, "iss");
    if (iss != null && !iss.equals(rules.issuer())) {
      // The endpoint vouches for tokens of another issuer: not one this API trusts through it.
      return "The access token was issued by an untrusted issuer";
    }
    String type = text(members, "token_type");
    if (type != null && !type.equalsIgnoreCase("bearer") && !type.equalsIgnoreCase("dpop")) {
      return "The token is not an access token";
    }
    if (type != null && type.equalsIgnoreCase("dpop")
        && !(members.get("cnf") instanceof Map<?, ?> cnf && cnf.get("jkt") instanceof String)) {
      // RFC 9449 §6.2: a DPoP token's answer names its key in cnf.jkt. Without it the binding cannot be checked, and
      // the token must not pass as a bearer token.
      return "The access token is DPoP-bound but its introspection answer names no key (cnf.jkt)";
    }
    if (exp == Long.MIN_VALUE) {
      return "The access token has no expiry";
    }
    if (!rules.audiences().isEmpty()) {
      Set<String> audiences = audiences(members);
      if (audiences.stream().noneMatch(rules.audiences()::contains)) {
        return "The access token is for another audience";
      }
    }
    try {
      clientId(members, rules);
    } catch (Malformed e) {
      return e.getMessage();
    }
    scopes(members, rules);
    return null;
  }

  private static long seconds(Map<String, Object> members, String name) throws Malformed {
    Object value = members.get(name);
    if (value == null) {
      return Long.MIN_VALUE;
    }
    if (!(value instanceof Number number)) {
      throw new Malformed("The access token claim " + name + " is malformed");
    }
    double seconds = number.doubleValue();
    if (Double.isNaN(seconds) || Math.abs(seconds) > 1e13) {
      throw new Malformed("The access token claim " + name + " is malformed");
    }
    return (long) (seconds * 1000);
  }

  private static String text(Map<String, Object> members, String name) throws Malformed {
    Object value = members.get(name);
    if (value != null && !(value instanceof String)) {
      throw new Malformed("The access token claim " + name + " is malformed");
    }
    return (String) value;
  }

  private static Set<String> audiences(Map<String, Object> members) throws Malformed {
    Object value = members.get("aud");
    Set<String> audiences = new LinkedHashSet<>();
    if (value instanceof String text) {
      audiences.add(text);
    } else if (value instanceof List<?> list) {
      for (Object element : list) {
        if (!(element instanceof String text)) {
          throw new Malformed("The access token claim aud is malformed");
        }
        audiences.add(text);
      }
    } else if (value != null) {
      throw new Malformed("The access token claim aud is malformed");
    }
    return audiences;
  }

  private static String clientId(Map<String, Object> members, Rules rules) throws Malformed {
    for (String name : rules.clientIdClaims()) {
      Object value = members.get(name);
      if (value instanceof String id && !id.isBlank()) {
        return id;
      }
      if (value != null && !(value instanceof String)) {
        throw new Malformed("The access token claim " + name + " is malformed");
      }
    }
    throw new Malformed("The access token does not name its client");
  }

  private static Set<String> scopes(Map<String, Object> members, Rules rules) throws Malformed {
    Set<String> scopes = new LinkedHashSet<>();
    for (String name : rules.scopeClaims()) {
      Object value = members.get(name);
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
            throw new Malformed("The access token claim " + name + " is malformed");
          }
          scopes.add(text);
        }
      } else {
        throw new Malformed("The access token claim " + name + " is malformed");
      }
    }
    return scopes;
  }

  private static TokenRejectedException invalid(String description) {
    return new TokenRejectedException(INVALID_TOKEN, description);
  }

  /** A member of the wrong type: refuses the token with this description. */
  private static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String description) {
      super(description, null, false, false);
    }
  }
}
