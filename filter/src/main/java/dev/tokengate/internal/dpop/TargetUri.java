package dev.tokengate.internal.dpop;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The HTTP URI of a request as RFC 9449 §4.3 compares it with a proof's {@code htu}: scheme and host in lower case,
 * the scheme's default port dropped, an empty path as {@code /}, percent-encodings in upper case (RFC 3986 §6.2.2),
 * without query and fragment.
 */
final class TargetUri {
  private TargetUri() {}

  /** The normalized form of a proof's {@code htu}; {@code null} when it is not an absolute http(s) URI. */
  static String normalize(String htu) {
    URI uri;
    try {
      uri = new URI(htu);
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme();
    if (!uri.isAbsolute() || uri.getRawAuthority() == null || uri.getHost() == null || uri.getRawUserInfo() != null
        || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
      return null;
    }
    return join(scheme, uri.getHost(), uri.getPort(), uri.getRawPath());
  }

  /**
   * The normalized URI of this request: {@code externalBase} (when configured) followed by the request URI, else
   * the scheme, host and port the container reports (which reflect forwarded headers when the container is set to
   * read them) and the request URI.
   */
  static String of(HttpServletRequest request, URI externalBase) {
    String requestUri = clientRequestUri(request);
    if (externalBase != null) {
      String basePath = externalBase.getRawPath() == null ? "" : externalBase.getRawPath();
      if (basePath.endsWith("/")) {
        basePath = basePath.substring(0, basePath.length() - 1);
      }
      return join(externalBase.getScheme(), externalBase.getHost(), externalBase.getPort(), basePath + requestUri);
    }
    return join(request.getScheme(), request.getServerName(), request.getServerPort(), requestUri);
  }

  /**
   * The request URI the client sent: on a FORWARD or ASYNC dispatch (a public servlet forwarding to a protected one,
   * where the proof is first checked) {@code getRequestURI()} names the dispatch's target, while the client's proof
   * names what it called, which the container keeps in the dispatch attributes.
   */
  private static String clientRequestUri(HttpServletRequest request) {
    Object original = switch (request.getDispatcherType()) {
      case FORWARD -> request.getAttribute(RequestDispatcher.FORWARD_REQUEST_URI);
      case ASYNC -> request.getAttribute(AsyncContext.ASYNC_REQUEST_URI);
      default -> null;
    };
    return original instanceof String uri ? uri : request.getRequestURI();
  }

  private static String join(String scheme, String host, int port, String rawPath) {
    String lowerScheme = scheme.toLowerCase(Locale.ROOT);
    boolean defaultPort = port < 0 || (lowerScheme.equals("https") && port == 443)
        || (lowerScheme.equals("http") && port == 80);
    StringBuilder out = new StringBuilder(lowerScheme).append("://").append(host.toLowerCase(Locale.ROOT));
    if (!defaultPort) {
      out.append(':').append(port);
    }
    String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%' && i + 2 < path.length()) {
        out.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
