package dev.tokengate.internal.http;

import dev.tokengate.BearerError;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenRejectedException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes the answers of RFC 6750 §3: the {@code WWW-Authenticate} challenge, a small JSON body with {@code error}
 * and {@code error_description}, and {@code Cache-Control: no-store}. Descriptions are ours, never the token's.
 */
public final class ErrorResponses {
  private final String realm;
  /** {@code realm="…"}, and {@code resource_metadata="…"} (RFC 9728 §5.1) when metadata is served. */
  private final String realmParameters;

  public ErrorResponses(String realm) {
    this(realm, null);
  }

  /**
   * @param extraParameter an auth-param every challenge carries after the realm, e.g. {@code
   *     resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"}; {@code null} for none
   */
  public ErrorResponses(String realm, String extraParameter) {
    this.realm = realm;
    this.realmParameters = "realm=\"" + realm + "\"" + (extraParameter == null ? "" : ", " + extraParameter);
  }

  /** 401 with a bare challenge: the request carried no bearer token (RFC 6750 §3.1). */
  public void challenge(HttpServletResponse response) throws IOException {
    challenge(response, List.of("Bearer " + realmParameters));
  }

  /** 401 with these challenges, one {@code WWW-Authenticate} each: the request carried no token. */
  public void challenge(HttpServletResponse response, List<String> challenges) throws IOException {
    prepare(response, 401);
    for (String challenge : challenges) {
      response.addHeader("WWW-Authenticate", challenge);
    }
    write(response, "{\"error_description\":\"An access token is required\"}");
  }

  /** 400, 401 or 403 with the error code and description of the rejection. */
  public void reject(HttpServletResponse response, TokenRejectedException rejection) throws IOException {
    prepare(response, rejection.error().httpStatus());
    response.setHeader("WWW-Authenticate", challenge(rejection));
    write(response, body(rejection.error().code(), rejection.description()));
  }

  /** The {@code WWW-Authenticate} value {@link #reject(HttpServletResponse, TokenRejectedException)} sends. */
  public String challenge(TokenRejectedException rejection) {
    return challenge(rejection.error(), rejection.description(), rejection.requiredScopes());
  }

  /** The JSON body of every answer with an error code: {@code {"error":"…","error_description":"…"}}. */
  public static String body(String code, String description) {
    return "{\"error\":\"" + safe(code) + "\",\"error_description\":\"" + safe(description) + "\"}";
  }

  /**
   * 400 with a JSON body and no challenge: the request itself is refused before any token is looked at (the {@link
   * RequestFirewall}), so there is nothing a new token would fix.
   */
  public void badRequest(HttpServletResponse response, String description) throws IOException {
    prepare(response, 400);
    write(response, body("invalid_request", description));
  }

  /** The {@code WWW-Authenticate} value for a rejection. */
  public String challenge(BearerError error, String description, Set<String> requiredScopes) {
    StringBuilder value = new StringBuilder("Bearer ").append(realmParameters).append(", error=\"")
        .append(error.code()).append("\", error_description=\"").append(safe(description)).append('"');
    if (!requiredScopes.isEmpty()) {
      value.append(", scope=\"").append(safe(String.join(" ", new TreeSet<>(requiredScopes)))).append('"');
    }
    return value.toString();
  }

  /**
   * 503 with {@code Retry-After}: the token could not be checked because the issuer's keys cannot be had. No {@code
   * WWW-Authenticate}: it is not the client's fault, and a challenge would send it off to fetch a new token.
   */
  public void unavailable(HttpServletResponse response, KeysUnavailableException failure) throws IOException {
    if (failure.reason() == KeysUnavailableException.Reason.INTROSPECTION_UNAVAILABLE) {
      unavailable(response, failure.retryAfter(),
          "The access token could not be checked because the issuer's introspection endpoint is unavailable");
      return;
    }
    unavailable(response, failure.retryAfter());
  }

  /** 503 with {@code Retry-After} of {@code retryAfter}, at least one second; see the other {@code unavailable}. */
  public void unavailable(HttpServletResponse response, Duration retryAfter) throws IOException {
    prepare(response, 503);
    response.setHeader("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
    write(response, "{\"error\":\"temporarily_unavailable\",\"error_description\":"
        + "\"The access token could not be checked because the issuer's signing keys are unavailable\"}");
  }

  /**
   * An answer with the given status, error code, description and {@code WWW-Authenticate} challenges (one header
   * each), for schemes beside Bearer such as DPoP (RFC 9449 §7.1).
   */
  public void reject(HttpServletResponse response, int status, String code, String description,
      List<String> challenges) throws IOException {
    prepare(response, status);
    for (String challenge : challenges) {
      response.addHeader("WWW-Authenticate", challenge);
    }
    write(response, "{\"error\":\"" + safe(code) + "\",\"error_description\":\"" + safe(description) + "\"}");
  }

  /** 503 with {@code Retry-After} and no challenge, for a dependency other than the issuer's keys that failed. */
  public void unavailable(HttpServletResponse response, Duration retryAfter, String description) throws IOException {
    prepare(response, 503);
    response.setHeader("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
    write(response, "{\"error\":\"temporarily_unavailable\",\"error_description\":\"" + safe(description) + "\"}");
  }

  /** The realm in every challenge. */
  public String realm() {
    return realm;
  }

  /** The parameters every challenge starts with: {@code realm="…"}, then {@code resource_metadata="…"} if set. */
  public String realmParameters() {
    return realmParameters;
  }

  private static void prepare(HttpServletResponse response, int status) {
    response.resetBuffer();
    response.setStatus(status);
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
  }

  private static void write(HttpServletResponse response, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /**
   * Keeps only RFC 6750's {@code error_description} characters (%x20-21 / %x23-5B / %x5D-7E): no quote, no
   * backslash, no control character, so neither the header nor the JSON can be broken out of.
   */
  public static String safe(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c <= 0x7e && c != '"' && c != '\\') {
        out.append(c);
      }
    }
    return out.toString();
  }
}
