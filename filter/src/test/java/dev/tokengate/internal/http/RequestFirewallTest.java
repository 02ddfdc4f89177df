package dev.tokengate.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The firewall's rule on its own, from the strings a container hands it: the raw request URI, the raw context path,
 * and the decoded servlet path and path info it resolved. The same rule on a real Jetty is in PathConfusionMatrixTest.
 */
class RequestFirewallTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
      /app/api/files/x                 | /api/files | /x
      /app/api/files/                  | /api/files | /
      /app/health                      | /health    | null
      /app/api/files                   | /api/files | null
      /app/                            | ''         | /
      /app                             | ''         | /
      /app/a%20b/c                     | /a b       | /c
      /app/caf%C3%A9                   | /café      | null
      /app/caf%c3%a9                   | /café      | null
      /app/q%3Fx%23y%2Bz%26            | /q?x#y+z&  | null
      /app/v1.0/report.2024.csv        | /v1.0      | /report.2024.csv
      /app/.well-known/jwks            | /.well-known/jwks | null
      /app/~user/x-y_z                 | /~user     | /x-y_z
      """)
  void normalPaths_goOn(String uri, String servletPath, String pathInfo) {
    assertThat(RequestFirewall.refusal(uri, "/app", servletPath, pathInfo)).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      /app/api/files/..;/..;/public/ping   | The request path contains a path parameter (;)
      /app/api/files;x=1/y                 | The request path contains a path parameter (;)
      /app/api/files/%2e%2e/%2e%2e/public  | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /app/api/files/%2E%2E/public         | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /app/api/files%2fx                   | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /app/api/files%5Cx                   | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /app/api/files/%252e%252e/public     | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /app/api/files/%3b/x                 | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /app/api/files/%00                   | The request path contains an encoded control character
      /app/api/files/%0a                   | The request path contains an encoded control character
      /app/api/files/%7F                   | The request path contains an encoded control character
      /app/%61pi/files                     | The request path contains an encoded character that needs no encoding
      /app/api/fil%65s                     | The request path contains an encoded character that needs no encoding
      /app/api%2Dx                         | The request path contains an encoded character that needs no encoding
      /app/api/files\\..\\public           | The request path contains a backslash
      /app//api/files                      | The request path contains an empty segment (//)
      /app/api//files                      | The request path contains an empty segment (//)
      /app/api/./files                     | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/api/files/../public             | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/api/files/..                    | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/api/files/.                     | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/public.                         | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/public./x                       | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/api/.../x                       | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/public%20                       | The request path contains a segment ending in an encoded space
      /app/public%20/x                     | The request path contains a segment ending in an encoded space
      /app/api/files/%                     | The request path contains a malformed percent-encoding
      /app/api/files/%2                    | The request path contains a malformed percent-encoding
      /app/api/files/%zz                   | The request path contains a malformed percent-encoding
      /app/api/files/%c0%ae%c0%ae          | The request path contains an encoded sequence that is not UTF-8
      /app/api/files/%ff                   | The request path contains an encoded sequence that is not UTF-8
      /app/api/files/x#y                   | The request path contains a #
      /app/api/files/\u00e9                | The request path contains a control, space or non-ASCII character
      /app/api/files/\u0009x               | The request path contains a control, space or non-ASCII character
      /app/api/files/a b                   | The request path contains a control, space or non-ASCII character
      /other/api/files                     | The request path does not start with the application's context path
      /application/x                       | The request path does not start with the application's context path
      api/files                            | The request path must start with a slash
      """)
  void hostilePaths_areRefused_withTheReason(String uri, String reason) {
    String raw = uri.replace("\\u00e9", "\u00e9").replace("\\u0009", "\t").replace("\\\\", "\\");
    assertThat(RequestFirewall.refusal(raw, "/app", "/api/files", "/x")).isEqualTo(reason);
  }

  // For a server that routes on the raw path (WebFlux), with no resolved path to compare: the same rule on the raw
  // path. Each hostile path of the matrix above gets the same reason, non-UTF-8 escapes included.
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      /app/api/files/..;/..;/public/ping   | The request path contains a path parameter (;)
      /app/api/files/%2e%2e/%2e%2e/public  | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /app/%61pi/files                     | The request path contains an encoded character that needs no encoding
      /app/api//files                      | The request path contains an empty segment (//)
      /app/api/files/../public             | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /app/public%20                       | The request path contains a segment ending in an encoded space
      /app/api/files/%zz                   | The request path contains a malformed percent-encoding
      /app/api/files/%c0%ae%c0%ae          | The request path contains an encoded sequence that is not UTF-8
      /app/api/files/caf%e9                | The request path contains an encoded sequence that is not UTF-8
      /other/api/files                     | The request path does not start with the application's context path
      """)
  void rawPath_hostilePaths_areRefused_withTheReason(String uri, String reason) {
    assertThat(RequestFirewall.rawPathRefusal("GET", uri, "/app")).isEqualTo(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(textBlock = """
      /app/api/files/x
      /app/caf%C3%A9/a%20b.txt
      /app/q%3Fx%23y%2Bz%26
      /app/v1.0/report.2024.csv
      /app
      """)
  void rawPath_normalPaths_goOn(String uri) {
    assertThat(RequestFirewall.rawPathRefusal("GET", uri, "/app")).isNull();
    assertThat(RequestFirewall.rawPathRefusal("GET", uri.substring(4).isEmpty() ? "/" : uri.substring(4), ""))
        .isNull();
  }

  @org.junit.jupiter.api.Test
  void rawPath_trace_isRefused() {
    assertThat(RequestFirewall.rawPathRefusal("TRACE", "/app/x", "/app")).isEqualTo("The request method TRACE is not allowed");
  }

  @ParameterizedTest(name = "{0} resolved as {1}{2}")
  @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
      /app/api/files/x    | /public    | /x
      /app/api/files/x    | /api/files | null
      /app/api/files/x    | /api/files | /y
      /app/api/files/a%20 | /api/files | /a
      /app/a%20b/x        | /a%20b     | /x
      /app/caf%C3%A9      | /cafe      | null
      """)
  void aResolvedPathThatDiffersFromTheRawOne_isRefused(String uri, String servletPath, String pathInfo) {
    String reason = RequestFirewall.refusal(uri, "/app", servletPath, pathInfo);
    assertThat(reason).isIn("The request path differs from the path the server resolved",
        "The request path contains a segment ending in an encoded space");
  }
}
