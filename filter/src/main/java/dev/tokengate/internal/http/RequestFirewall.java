package dev.tokengate.internal.http;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Refuses requests whose path is not in one normal form, before anything matches on the path.
 *
 * <p>Containers and frameworks disagree on what a raw path means: Tomcat strips {@code ;params} and decodes {@code
 * %2e} before it computes the servlet path, Spring MVC routes on the raw URI, Jetty, Tomcat and file systems treat
 * encoded slashes, backslashes and trailing dots each their own way. A filter that matches public paths and scope
 * rules on one reading while the application routes on another can be walked around ({@code
 * /api/files/..;/..;/public/ping}). So the raw {@link HttpServletRequest#getRequestURI()} must be in a form every
 * reading agrees on, and, as defence in depth against quirks nobody listed, its decoding must equal the servlet path
 * plus path info the container resolved. Then public paths, scope rules and {@code @RequiredScope} see exactly the path
 * the application routes on.
 *
 * <p>Refused, anywhere in the raw path (context path included): characters outside printable ASCII (controls, space,
 * non-ASCII); {@code ;} (path parameters); {@code \}; {@code #}; an empty segment ({@code //}); a segment ending in a
 * dot ({@code .}, {@code ..}, {@code ...}, {@code name.}); malformed percent-encoding; an encoded {@code . / \ % ;},
 * control character or character that needs no encoding ({@code %61}); an encoded space ending a segment; an encoded
 * sequence that is not UTF-8. The check scans the URI (and once more for a {@code %}) and allocates nothing unless the
 * path is percent-encoded.
 * The method {@code TRACE} is refused too: the servlet default answers it by echoing the headers, token included.
 */
public final class RequestFirewall {
  private RequestFirewall() {}

  /** Why the request is refused, in words fit for {@code error_description}; {@code null} when it may go on. */
  public static String refusal(HttpServletRequest request) {
    if ("TRACE".equals(request.getMethod())) {
      // HttpServlet.doTrace, which every servlet inherits and Jetty does not switch off (Tomcat does, allowTrace),
      // echoes the request's headers in the body: the bearer token, and whatever a proxy added, would be written
      // into a response (cross-site tracing). Nothing an API needs is lost.
      return "The request method TRACE is not allowed";
    }
    return refusal(request.getRequestURI(), request.getContextPath(), request.getServletPath(),
        request.getPathInfo());
  }

  /**
   * Like {@link #refusal(HttpServletRequest)}, from the raw request URI, the raw context path and the decoded servlet
   * path and path info the container resolved.
   */
  public static String refusal(String requestUri, String contextPath, String servletPath, String pathInfo) {
    String context = contextPath == null ? "" : contextPath;
    String problem = rawProblem(requestUri, context);
    if (problem != null) {
      return problem;
    }
    return requestUri.indexOf('%') >= 0
        ? decodedMismatch(requestUri, context.length(), servletPath, pathInfo)
        : rawMismatch(requestUri, context.length(), servletPath, pathInfo);
  }

  /**
   * For a server that routes on the raw path itself (Spring WebFlux parses the raw path into segments and decodes
   * each), where no container resolved a path to compare with: the method and every check on the raw path of {@link
   * #refusal(String, String, String, String)}, and that what is percent-encoded decodes as UTF-8. {@code rawPath} is
   * the request target's path, undecoded, without the query; {@code contextPath} its raw prefix the application is
   * mounted on ({@code ""} for none).
   */
  public static String rawPathRefusal(String method, String rawPath, String contextPath) {
    if ("TRACE".equals(method)) {
      return "The request method TRACE is not allowed";
    }
    String context = contextPath == null ? "" : contextPath;
    String problem = rawProblem(rawPath, context);
    if (problem != null) {
      return problem;
    }
    if (rawPath.indexOf('%') >= 0) {
      try {
        decode(rawPath, 0);
      } catch (CharacterCodingException e) {
        return "The request path contains an encoded sequence that is not UTF-8";
      }
    }
    return null;
  }

  /** The checks on the raw URI alone, which every server shares; {@code null} when it has none of the problems. */
  private static String rawProblem(String requestUri, String context) {
    if (requestUri == null || requestUri.isEmpty() || requestUri.charAt(0) != '/') {
      return "The request path must start with a slash";
    }
    if (!requestUri.startsWith(context)
        || (requestUri.length() > context.length() && requestUri.charAt(context.length()) != '/')) {
      return "The request path does not start with the application's context path";
    }
    int length = requestUri.length();
    for (int i = 0; i < length; i++) {
      char c = requestUri.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return "The request path contains a control, space or non-ASCII character";
      }
      switch (c) {
        case ';' -> {
          return "The request path contains a path parameter (;)";
        }
        case '\\' -> {
          return "The request path contains a backslash";
        }
        case '#' -> {
          return "The request path contains a #";
        }
        case '/' -> {
          if (i > 0) {
            char previous = requestUri.charAt(i - 1);
            if (previous == '/') {
              return "The request path contains an empty segment (//)";
            }
            if (previous == '.') {
              return "The request path contains a segment ending in a dot (., .. or a trailing dot)";
            }
          }
        }
        case '%' -> {
          String problem = encodedProblem(requestUri, i);
          if (problem != null) {
            return problem;
          }
          i += 2;
        }
        default -> {}
      }
    }
    if (requestUri.charAt(length - 1) == '.') {
      return "The request path contains a segment ending in a dot (., .. or a trailing dot)";
    }
    return null;
  }

  private static String encodedProblem(String uri, int percent) {
    if (percent + 2 >= uri.length()) {
      return "The request path contains a malformed percent-encoding";
    }
    int high = Character.digit(uri.charAt(percent + 1), 16);
    int low = Character.digit(uri.charAt(percent + 2), 16);
    if (high < 0 || low < 0) {
      return "The request path contains a malformed percent-encoding";
    }
    int b = high * 16 + low;
    if (b < 0x20 || b == 0x7f) {
      return "The request path contains an encoded control character";
    }
    if (b == '.' || b == '/' || b == '\\' || b == '%' || b == ';') {
      return "The request path contains an encoded dot, slash, backslash, percent or semicolon";
    }
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '_'
        || b == '~') {
      return "The request path contains an encoded character that needs no encoding";
    }
    if (b == ' ' && (percent + 3 == uri.length() || uri.charAt(percent + 3) == '/')) {
      return "The request path contains a segment ending in an encoded space";
    }
    return null;
  }

  /** Without percent-encoding, the path within the application must be the servlet path plus path info as is. */
  private static String rawMismatch(String uri, int from, String servletPath, String pathInfo) {
    String servlet = servletPath == null ? "" : servletPath;
    String info = pathInfo == null ? "" : pathInfo;
    int rest = uri.length() - from;
    boolean same = rest == servlet.length() + info.length()
        ? uri.regionMatches(from, servlet, 0, servlet.length())
            && uri.regionMatches(from + servlet.length(), info, 0, info.length())
        // The context root requested without its slash ("/app"), which a container may resolve as "/".
        : rest == 0 && (servlet + info).equals("/");
    return same ? null : "The request path differs from the path the server resolved";
  }

  private static String decodedMismatch(String uri, int from, String servletPath, String pathInfo) {
    String decoded;
    try {
      decoded = decode(uri, from);
    } catch (CharacterCodingException e) {
      return "The request path contains an encoded sequence that is not UTF-8";
    }
    String resolved = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
    return decoded.equals(resolved) ? null : "The request path differs from the path the server resolved";
  }

  private static String decode(String uri, int from) throws CharacterCodingException {
    byte[] bytes = new byte[uri.length() - from];
    int n = 0;
    for (int i = from; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '%') {
        bytes[n++] = (byte) (Character.digit(uri.charAt(i + 1), 16) * 16 + Character.digit(uri.charAt(i + 2), 16));
        i += 2;
      } else {
        bytes[n++] = (byte) c;
      }
    }
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes, 0, n))
        .toString();
  }
}
