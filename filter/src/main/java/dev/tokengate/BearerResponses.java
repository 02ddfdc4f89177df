package dev.tokengate;

import static java.util.Objects.requireNonNull;

import dev.tokengate.internal.metadata.ResourceMetadata;

import dev.tokengate.internal.http.ErrorResponses;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;

/**
 * Writes tokengate's answers onto a servlet response, byte for byte as {@link TokenGateFilter} writes them: for code
 * that refuses a request itself, after the filter let it through (an interceptor enforcing {@link RequiredScope}, a
 * framework's access-denied handler), so that the caller sees one dialect of RFC 6750 whichever part said no.
 *
 * <table>
 *   <caption>The answers</caption>
 *   <tr><th>method</th><th>status</th><th>{@code WWW-Authenticate}</th></tr>
 *   <tr><td>{@link #challenge}</td><td>401</td><td>{@code Bearer realm="…"}, no error code (RFC 6750 §3.1): no token
 *       was sent</td></tr>
 *   <tr><td>{@link #reject}</td><td>{@link BearerError#httpStatus() 400, 401 or 403}</td><td>{@code Bearer
 *       realm="…", error="…", error_description="…"} and, for {@code insufficient_scope}, {@code scope="…"} naming
 *       {@link TokenRejectedException#requiredScopes()}</td></tr>
 *   <tr><td>{@link #unavailable(HttpServletResponse, KeysUnavailableException) unavailable}</td><td>503 with {@code
 *       Retry-After}</td><td>none: the issuer's keys cannot be had, which no new token would fix</td></tr>
 * </table>
 *
 * <p>Every answer resets the response buffer, sets {@code Cache-Control: no-store} and carries a small JSON body
 * ({@code {"error":"…","error_description":"…"}}). Descriptions are reduced to RFC 6750's {@code error_description}
 * characters, so no text given here can break out of the header or the JSON; they should still never contain the
 * token. Write an answer before the response is committed: once it is, the status can no longer change.
 *
 * <pre>{@code
 * BearerResponses responses = BearerResponses.forRealm(config.realm());
 * try {
 *   ScopeRequirement.of(annotation).check(principal);
 * } catch (TokenRejectedException e) {
 *   responses.reject(response, e);   // 403 insufficient_scope, scope="orders:write"
 *   return;
 * }
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class BearerResponses {
  private final String realm;
  private final ErrorResponses responses;

  /**
   * Answers for {@code realm}, the {@code realm} of {@code WWW-Authenticate}; use {@link TokenGateConfig#realm()} (or
   * the starter's {@code tokengate.realm}) to answer as the filter does.
   *
   * @param realm printable ASCII without quotes or backslashes, not empty
   * @throws IllegalArgumentException if {@code realm} is empty or has a character a quoted-string cannot hold as is
   */
  public static BearerResponses forRealm(String realm) {
    return new BearerResponses(realm, null);
  }

  /**
   * Answers exactly as a {@link TokenGateFilter} with {@code config} does: its {@link TokenGateConfig#realm() realm},
   * and, with a {@link TokenGateConfig#resourceIdentifier() resource identifier}, {@code resource_metadata="…"} (RFC
   * 9728 §5.1) in every challenge.
   *
   * @since 0.1.0
   */
  public static BearerResponses forConfig(TokenGateConfig config) {
    requireNonNull(config, "config");
    return new BearerResponses(config.realm(),
        config.resourceIdentifier().map(ResourceMetadata::challengeParameterOf).orElse(null));
  }

  private BearerResponses(String realm, String extraParameter) {
    requireNonNull(realm, "realm");
    if (realm.isEmpty() || !realm.chars().allMatch(c -> c >= 0x20 && c <= 0x7e && c != '"' && c != '\\')) {
      throw new IllegalArgumentException(
          "realm must be printable ASCII without quotes or backslashes, was '" + realm + "'");
    }
    this.realm = realm;
    this.responses = new ErrorResponses(realm, extraParameter);
  }

  /**
   * 401 with a bare challenge, {@code WWW-Authenticate: Bearer realm="…"}: the request carried no bearer token (RFC
   * 6750 §3.1), so the client should get one and try again.
   */
  public void challenge(HttpServletResponse response) throws IOException {
    responses.challenge(requireNonNull(response, "response"));
  }

  /**
   * The answer to {@code rejection}: its {@link BearerError#httpStatus() status}, a challenge with its error code and
   * description, and for {@link BearerError#INSUFFICIENT_SCOPE} the scopes it needed in {@code scope="…"} (sorted).
   */
  public void reject(HttpServletResponse response, TokenRejectedException rejection) throws IOException {
    responses.reject(requireNonNull(response, "response"), requireNonNull(rejection, "rejection"));
  }

  /**
   * 503 with {@code Retry-After} from {@code failure}'s {@link KeysUnavailableException#retryAfter() retryAfter}, and
   * no challenge: the token could not be checked because the issuer's keys cannot be had.
   */
  public void unavailable(HttpServletResponse response, KeysUnavailableException failure) throws IOException {
    responses.unavailable(requireNonNull(response, "response"), requireNonNull(failure, "failure"));
  }

  /**
   * 503 with {@code Retry-After} of {@code retryAfter} in whole seconds, at least 1, and no challenge; as the other
   * {@link #unavailable(HttpServletResponse, KeysUnavailableException) unavailable}, for code that knows only when to
   * try again.
   */
  public void unavailable(HttpServletResponse response, Duration retryAfter) throws IOException {
    requireNonNull(retryAfter, "retryAfter");
    responses.unavailable(requireNonNull(response, "response"), retryAfter.isNegative() ? Duration.ZERO : retryAfter);
  }

  /**
   * The {@code WWW-Authenticate} value {@link #reject} sends for {@code rejection}, for stacks that do not write
   * onto an {@link HttpServletResponse} (Spring WebFlux, say): send it with {@link #body} and the rejection's {@link
   * BearerError#httpStatus() status}, {@code Cache-Control: no-store} and {@code Content-Type: application/json}.
   */
  public String challengeHeader(TokenRejectedException rejection) {
    return responses.challenge(requireNonNull(rejection, "rejection"));
  }

  /**
   * The JSON body of every answer that carries an error code, {@code {"error":"…","error_description":"…"}}, with
   * both values cut down to RFC 6750's {@code error_description} characters; e.g. for a 400 {@code invalid_request}
   * refusal of {@link RequestFirewallFilter#refusal}.
   */
  public static String body(BearerError error, String description) {
    return ErrorResponses.body(requireNonNull(error, "error").code(), requireNonNull(description, "description"));
  }

  @Override
  public String toString() {
    return "BearerResponses[realm=" + realm + "]";
  }
}
