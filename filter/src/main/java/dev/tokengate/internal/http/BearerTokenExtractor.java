package dev.tokengate.internal.http;

import static dev.tokengate.BearerError.INVALID_REQUEST;
import static dev.tokengate.BearerError.INVALID_TOKEN;

import dev.tokengate.TokenRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
    List<String> inQuery = allowQuery || allowForm ? queryTokens(request.getQueryString()) : List.of();
    Optional<String> fromQuery = allowQuery ? single(inQuery) : Optional.empty();
    Optional<String> fromForm = allowForm ? fromForm(request, inQuery) : Optional.empty();
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

  /**
   * The {@code access_token} values of the query string, parsed here rather than with {@code getParameterValues},
   * which merges the query with the form body: a token must come from where its setting allows, and nowhere else.
   * Names are decoded the way containers decode them ({@code %XX} as UTF-8, {@code +} as a space), so {@code
   * %61ccess_token} is found too; {@code ?y=access_token} is a value, not a name.
   */
  static List<String> queryTokens(String query) {
    if (query == null || (!query.contains(PARAMETER) && query.indexOf('%') < 0)) {
      return List.of();
    }
    List<String> values = new ArrayList<>(1);
    int start = 0;
    while (start <= query.length()) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = query.length();
      }
      int equals = query.indexOf('=', start);
      int nameEnd = equals < 0 || equals > end ? end : equals;
      if (decode(query, start, nameEnd).equals(PARAMETER)) {
        values.add(nameEnd == end ? "" : decode(query, nameEnd + 1, end));
      }
      start = end + 1;
    }
    return values;
  }

  /**
   * The form body's {@code access_token}. The container hands query and body values merged, query values first
   * (Servlet 6.0 §3.1.1), so the body's are those after the query's; if the container's query values are not the
   * ones parsed here, which came from where cannot be told, and the request is refused rather than guessed at.
   */
  private Optional<String> fromForm(HttpServletRequest request, List<String> inQuery)
      throws TokenRejectedException {
    String[] merged;
    try {
      String contentType = request.getContentType();
      if (contentType == null
          || !contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")
          || "GET".equals(request.getMethod())) {
        return Optional.empty();
      }
      merged = request.getParameterValues(PARAMETER);
    } catch (RuntimeException e) {
      // The container could not read the content type, query or body: Jetty throws UnsupportedCharsetException
      // from getContentType() for "charset=x-bogus" (which it answered 500, naming the exception in an HTML page)
      // and BadMessageException for malformed percent-encoding. It is the client's malformed request: 400.
      throw new TokenRejectedException(INVALID_REQUEST, "The request's form body or query cannot be parsed");
    }
    if (merged == null || merged.length <= inQuery.size()) {
      return Optional.empty();
    }
    for (int i = 0; i < inQuery.size(); i++) {
      if (!merged[i].equals(inQuery.get(i))) {
        throw new TokenRejectedException(INVALID_REQUEST,
            "The request carries access_token parameters whose origin cannot be told");
      }
    }
    return single(Arrays.asList(merged).subList(inQuery.size(), merged.length));
  }

  private Optional<String> single(List<String> values) throws TokenRejectedException {
    if (values.isEmpty()) {
      return Optional.empty();
    }
    if (values.size() > 1) {
      throw new TokenRejectedException(INVALID_REQUEST, "The request carries more than one access_token parameter");
    }
    return Optional.of(checkSyntax(values.get(0)));
  }

  /** {@code application/x-www-form-urlencoded} decoding of {@code text[from, to)}; malformed escapes stay as they are. */
  private static String decode(String text, int from, int to) {
    if (text.indexOf('%', from) < 0 || text.indexOf('%', from) >= to) {
      return text.substring(from, to).replace('+', ' ');
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      int high = c == '%' && i + 2 < to ? Character.digit(text.charAt(i + 1), 16) : -1;
      int low = high >= 0 ? Character.digit(text.charAt(i + 2), 16) : -1;
      if (low >= 0) {
        bytes.write(high * 16 + low);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c == '+' ? ' ' : c);
      } else {
        bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
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
  public static boolean isB64Token(String token) {
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
