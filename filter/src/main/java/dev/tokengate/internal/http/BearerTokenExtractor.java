package dev.tokengate.internal.http;

import static dev.tokengate.BearerError.INVALID_REQUEST;
import static dev.tokengate.BearerError.INVALID_TOKEN;

import dev.tokengate.TokenRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds the bearer token of a request as RFC 6750 §2 describes: the {@code Authorization: Bearer} header (scheme
 * case-insensitive, exactly one header, {@code b64token} syntax), and, only when switched on, the form body and the
 * query. A token found in two places is {@code invalid_request} (§2: "MUST NOT use more than one method").
 */
public final class BearerTokenExtractor {
  private static final String SCHEME = "bearer";
  private static final String PARAMETER = "access_token";

  private final boolean allowQuery;
  private final boolean allowForm;
  private final int maxTokenLength;

  public BearerTokenExtractor(boolean allowQuery, boolean allowForm, int maxTokenLength) {
    this.allowQuery = allowQuery;
    this.allowForm = allowForm;
    this.maxTokenLength = maxTokenLength;
  }

  /**
   * The request's bearer token; empty when it carries none (no {@code Authorization} header, or another scheme such
   * as Basic), which RFC 6750 §3.1 answers with a bare challenge.
   *
   * @throws TokenRejectedException {@code invalid_request} for a malformed header or a token in two places, {@code
   *     invalid_token} for a token over the length limit
   */
  public Optional<String> extract(HttpServletRequest request) throws TokenRejectedException {
    Optional<String> fromHeader = fromHeader(request);
    Optional<String> fromQuery = allowQuery ? fromQuery(request) : Optional.empty();
    Optional<String> fromForm = allowForm ? fromForm(request) : Optional.empty();
    int places = (fromHeader.isPresent() ? 1 : 0) + (fromQuery.isPresent() ? 1 : 0) + (fromForm.isPresent() ? 1 : 0);
    if (places > 1) {
      throw new TokenRejectedException(INVALID_REQUEST, "The request carries an access token in more than one place");
    }
    return fromHeader.or(() -> fromQuery).or(() -> fromForm);
  }

  private Optional<String> fromHeader(HttpServletRequest request) throws TokenRejectedException {
    Enumeration<String> headers = request.getHeaders("Authorization");
    if (headers == null || !headers.hasMoreElements()) {
      return Optional.empty();
    }
    List<String> values = Collections.list(headers);
    if (values.size() > 1) {
      throw new TokenRejectedException(INVALID_REQUEST, "The request has more than one Authorization header");
    }
    String value = values.get(0);
    int space = value.indexOf(' ');
    String scheme = (space < 0 ? value : value.substring(0, space)).toLowerCase(Locale.ROOT);
    if (!scheme.equals(SCHEME)) {
      // Another scheme is not ours to judge: answer with the Bearer challenge only (RFC 6750 §3.1).
      return Optional.empty();
    }
    String token = space < 0 ? "" : value.substring(space + 1).strip();
    return Optional.of(checkSyntax(token));
  }

  private Optional<String> fromQuery(HttpServletRequest request) throws TokenRejectedException {
    String query = request.getQueryString();
    if (query == null || !query.contains(PARAMETER)) {
      return Optional.empty();
    }
    return parameter(request);
  }

  private Optional<String> fromForm(HttpServletRequest request) throws TokenRejectedException {
    String contentType = request.getContentType();
    if (contentType == null
        || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")
        || "GET".equals(request.getMethod())) {
      return Optional.empty();
    }
    String query = request.getQueryString();
    if (query != null && query.contains(PARAMETER) && !allowQuery) {
      // getParameter merges query and body; a query token must not pass as a form token when queries are off.
      return Optional.empty();
    }
    return parameter(request);
  }

  private Optional<String> parameter(HttpServletRequest request) throws TokenRejectedException {
    String[] values = request.getParameterValues(PARAMETER);
    if (values == null || values.length == 0) {
      return Optional.empty();
    }
    if (values.length > 1) {
      throw new TokenRejectedException(INVALID_REQUEST, "The request carries more than one access_token parameter");
    }
    return Optional.of(checkSyntax(values[0]));
  }

  private String checkSyntax(String token) throws TokenRejectedException {
    if (token.isEmpty()) {
      throw new TokenRejectedException(INVALID_REQUEST, "The Bearer credentials are empty");
    }
    if (token.length() > maxTokenLength) {
      throw new TokenRejectedException(INVALID_TOKEN, "The access token is too long");
    }
    if (!isB64Token(token)) {
      throw new TokenRejectedException(INVALID_REQUEST, "The Bearer credentials are not a valid b64token");
    }
    return token;
  }

  private static final boolean[] B64TOKEN = b64TokenAlphabet();

  private static boolean[] b64TokenAlphabet() {
    boolean[] alphabet = new boolean[128];
    for (char c = 'A'; c <= 'Z'; c++) {
      alphabet[c] = true;
      alphabet[Character.toLowerCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      alphabet[c] = true;
    }
    for (char c : new char[] {'-', '.', '_', '~', '+', '/'}) {
      alphabet[c] = true;
    }
    return alphabet;
  }

  /** RFC 6750 §2.1: {@code b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. */
  static boolean isB64Token(String token) {
    // This runs over every character of every request's token, ~1.5 KB for a typical one: one bulk Latin-1 copy and
    // a table lookup per byte. A character outside Latin-1 becomes '?', which is refused like any other.
    byte[] bytes = token.getBytes(StandardCharsets.ISO_8859_1);
    int i = 0;
    int length = bytes.length;
    while (i < length && bytes[i] >= 0 && B64TOKEN[bytes[i]]) {
      i++;
    }
    if (i == 0) {
      return false;
    }
    while (i < length && bytes[i] == '=') {
      i++;
    }
    return i == length;
  }
}
