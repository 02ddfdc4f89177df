package dev.tokengate.internal.token;

import static dev.tokengate.BearerError.INVALID_TOKEN;

import dev.tokengate.TokenRejectedException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

/**
 * A token's {@code cnf} claim (RFC 7800 §3.1), read once per token, the same way for a validated JWT and for an
 * introspection answer: a binding this API cannot check refuses the token, it never lets it pass as unbound.
 */
public final class Confirmation {
  /** The {@code cnf} members tokengate checks: RFC 9449's {@code jkt} and RFC 8705's {@code x5t#S256}. */
  private static final Set<String> CHECKED_MEMBERS = Set.of("jkt", "x5t#S256");

  private Confirmation() {}

  /**
   * The token's {@code cnf.x5t#S256} (RFC 8705 §3.1), the base64url SHA-256 of the DER certificate it is bound to;
   * {@code null} when the token has no {@code cnf} or no {@code x5t#S256} in it.
   *
   * @param cnf the token's {@code cnf} claim as parsed JSON, {@code null} when absent
   * @param dpopOff whether the token's issuer has DPoP mode {@code off} here
   * @throws TokenRejectedException {@code invalid_token} when {@code cnf} is not a JSON object; when {@code x5t#S256}
   *     is not 43 canonical base64url characters; when {@code cnf} has a member other than {@code jkt} and {@code
   *     x5t#S256} (e.g. {@code jwk}, {@code kid}, {@code jku}, SHA-1 {@code x5t}); or when it has {@code jkt} while DPoP
   *     is off for its issuer. Accepted as Bearer, a token bound in a way this API does not check would work for
   *     whoever stole it, which is what the binding is there to stop.
   */
  public static String certificateThumbprint(Object cnf, boolean dpopOff) throws TokenRejectedException {
    if (cnf == null) {
      return null;
    }
    if (!(cnf instanceof Map<?, ?> confirmation)) {
      throw invalid("The access token's cnf claim is not a JSON object");
    }
    for (Object member : confirmation.keySet()) {
      if (!CHECKED_MEMBERS.contains(member)) {
        throw invalid("The access token is bound to its client by a confirmation method this API does not check"
            + " (tokengate checks cnf.jkt and cnf.x5t#S256 only)");
      }
    }
    if (dpopOff && confirmation.containsKey("jkt")) {
      throw invalid("The access token is DPoP-bound (cnf.jkt) and this API does not accept DPoP from its issuer:"
          + " set dpop-mode to allowed or required for it");
    }
    if (!confirmation.containsKey("x5t#S256")) {
      return null;
    }
    if (!(confirmation.get("x5t#S256") instanceof String thumbprint) || thumbprint.length() != 43
        || !thumbprint.chars().allMatch(Confirmation::isBase64UrlChar)
        || !CanonicalBase64Url.isCanonical(thumbprint.getBytes(StandardCharsets.ISO_8859_1), 0, 43)) {
      throw invalid("The access token's cnf.x5t#S256 is not a SHA-256 certificate thumbprint");
    }
    return thumbprint;
  }

  private static boolean isBase64UrlChar(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  private static TokenRejectedException invalid(String description) {
    return new TokenRejectedException(INVALID_TOKEN, description);
  }
}
