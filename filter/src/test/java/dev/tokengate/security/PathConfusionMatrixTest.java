package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.RawHttp;
import dev.tokengate.testing.TestIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Path confusion on a web.xml application on Jetty 12: every hostile request target, sent byte for byte over a plain
 * socket, is refused before any handler runs, and every normal one behaves as before. Two servers run the same
 * webapp: Jetty with its default URI compliance, which refuses many of these itself, and Jetty with UNSAFE
 * compliance, so that the filter's firewall, not Jetty, is what each hostile target meets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PathConfusionMatrixTest {
  @TempDir static Path webapp;
  private TestIssuer issuer;
  private Server strict;
  private int strictPort;
  private Server permissive;
  private int permissivePort;

  @BeforeAll
  void start() throws Exception {
    issuer = TestIssuer.start();
    Path webInf = Files.createDirectories(webapp.resolve("WEB-INF"));
    Files.writeString(webInf.resolve("web.xml"), webXml(issuer.issuer()));
    strict = server(UriCompliance.DEFAULT);
    strictPort = ((ServerConnector) strict.getConnectors()[0]).getLocalPort();
    permissive = server(UriCompliance.UNSAFE);
    permissivePort = ((ServerConnector) permissive.getConnectors()[0]).getLocalPort();
  }

  @AfterAll
  void stop() throws Exception {
    strict.stop();
    permissive.stop();
    issuer.close();
  }

  @BeforeEach
  void forget() {
    CountingServlets.HANDLED.clear();
  }

  /**
   * Each hostile target, without a token and with a token holding every scope: refused before any handler on both
   * servers. On the permissive server (Jetty's UNSAFE URI compliance, ambiguous URIs decoded) the request reaches the
   * filter, and the firewall's own answer is asserted; "container" marks the few that Jetty refuses even then.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      /shop/api/files/..;/..;/public/ping         | The request path contains a path parameter (;)
      /shop/api/files/%2e%2e/%2e%2e/public/ping   | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/api/files/%2E%2E/%2E%2E/public/ping   | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public/..;/api/files/x                | The request path contains a path parameter (;)
      /shop/public/..;/admin/x                    | The request path contains a path parameter (;)
      /shop/public/%2e%2e/api/files/x             | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public/%2e./api/files/x               | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public/../api/files/x                 | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/public/./../api/files/x               | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/public/x/..%2fapi/files/x             | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public%2f..%2fapi%2ffiles             | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public/%252e%252e/api/files/x         | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public/..%5capi%5cfiles               | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public\\..\\api\\files                | The request path contains a backslash
      /shop/public;x=y/../api/files               | The request path contains a path parameter (;)
      /shop/public/%3b/../api/files               | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/public/%3B/api/files                  | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop//api/files/x                          | The request path contains an empty segment (//)
      /shop/public//../api/files/x                | The request path contains an empty segment (//)
      /shop/api/files/x%00.csv                    | container
      /shop/api/files/x%0d%0aX-Injected:1         | container
      /shop/%70ublic/ping                         | The request path contains an encoded character that needs no encoding
      /shop/publi%63/../api/files/x               | The request path contains an encoded character that needs no encoding
      /shop/public./ping                          | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/admin./x                              | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/api/files/x.                          | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/public/..                             | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/public/ping%20                        | The request path contains a segment ending in an encoded space
      /shop/admin%20/x                            | The request path contains a segment ending in an encoded space
      /shop;jsessionid=1/api/files/x              | The request path does not start with the application's context path
      /shop/api/files/caf\u00c3\u00a9             | The request path contains a control, space or non-ASCII character
      /shop/public/%c0%ae%c0%ae/api/files/x       | The request path contains an encoded sequence that is not UTF-8
      /shop/public/%e0%80%ae/api/files/x          | The request path contains an encoded sequence that is not UTF-8
      /shop/public/%ff/x                          | The request path contains an encoded sequence that is not UTF-8
      /shop/public/%zz/x                          | container
      """)
  void hostileUri_isRefusedBeforeAnyHandler(String target, String reason) {
    String raw = target.replace("\\u00c3\\u00a9", "\u00c3\u00a9").replace("\\\\", "\\");
    String everyScope = issuer.token().scope("admin", "orders:read").sign();
    for (String[] authorization : List.of(new String[0], new String[] {"Authorization: Bearer " + everyScope})) {
      RawHttp.Response onStrict = RawHttp.send(strictPort, "GET", raw, authorization);
      assertThat(onStrict.status()).as("default Jetty, %s", raw).isEqualTo(400);
      assertThat(onStrict.header("WWW-Authenticate")).as("no challenge: a token would not help").isEmpty();
      RawHttp.Response onPermissive = RawHttp.send(permissivePort, "GET", raw, authorization);
      assertThat(onPermissive.status()).as("permissive Jetty, %s", raw).isEqualTo(400);
      assertThat(onPermissive.header("WWW-Authenticate")).isEmpty();
      if (!reason.equals("container")) {
        assertThat(onPermissive.body()).isEqualTo("{\"error\":\"invalid_request\",\"error_description\":\""
            + reason + "\"}");
        assertThat(onPermissive.header("Cache-Control")).hasValue("no-store");
        assertThat(onPermissive.header("Content-Type")).hasValueSatisfying(
            type -> assertThat(type).startsWith("application/json"));
      }
      assertThat(CountingServlets.HANDLED).as("handlers run for %s", raw).isEmpty();
    }
  }

  @Test
  void wrongContextPathCase_isNotFound_andNoHandlerRuns() {
    for (int port : List.of(strictPort, permissivePort)) {
      assertThat(RawHttp.send(port, "GET", "/SHOP/api/files/x").status()).isEqualTo(404);
    }
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Test
  void fragment_isRefused_orStrippedBeforeMatching_neverRoutedAroundTheFilter() {
    RawHttp.Response onStrict = RawHttp.send(strictPort, "GET", "/shop/public/x#/../../api/files/x");
    assertThat(onStrict.status()).isEqualTo(400);
    // Jetty's UNSAFE compliance drops the fragment: the path is /public/x, which is public and goes on as such.
    RawHttp.Response onPermissive = RawHttp.send(permissivePort, "GET", "/shop/api/files/x#/../../../public/x");
    assertThat(onPermissive.status()).isEqualTo(401);
    assertThat(onPermissive.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Test
  void absoluteFormRequestTarget_isJudgedOnItsPath() {
    for (int port : List.of(strictPort, permissivePort)) {
      RawHttp.Response response =
          RawHttp.send(port, "GET", "http://127.0.0.1:" + port + "/shop/public/..;/api/files/x");
      assertThat(response.status()).isEqualTo(400);
      RawHttp.Response noToken = RawHttp.send(port, "GET", "http://127.0.0.1:" + port + "/shop/api/files/x");
      assertThat(noToken.status()).isEqualTo(401);
    }
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  /** Normal URIs behave as before on both servers: public, protected, scope rule, annotation, encoded characters. */
  @ParameterizedTest(name = "{0} with {1} token")
  @CsvSource(delimiter = '|', textBlock = """
      /shop/public/ping                 | no      | 200 | Public /public/ping
      /shop/public/report.2024.csv      | no      | 200 | Public /public/report.2024.csv
      /shop/public                      | no      | 200 | Public /public
      /shop/api/files/x                 | no      | 401 | -
      /shop/api/files/x                 | a plain | 200 | Files /api/files/x
      /shop/api/files/a%20b             | a plain | 200 | Files /api/files/a b
      /shop/api/files/caf%C3%A9         | a plain | 200 | Files /api/files/caf\u00e9
      /shop/api/files/q%3Fx%23y         | a plain | 200 | Files /api/files/q?x#y
      /shop/api/files/v1.0/x.tar.gz     | a plain | 200 | Files /api/files/v1.0/x.tar.gz
      /shop/api/files/x?y=..;/..%2f     | a plain | 200 | Files /api/files/x
      /shop/admin/x                     | no      | 401 | -
      /shop/admin/x                     | a plain | 403 | -
      /shop/admin/x                     | an admin | 200 | Admin /admin/x
      /shop/orders/1                    | a plain | 403 | -
      /shop/orders/1                    | an orders | 200 | Orders /orders/1
      """)
  void normalUri_behavesAsBefore(String target, String token, int status, String handled) {
    String[] authorization = switch (token) {
      case "no" -> new String[0];
      case "a plain" -> new String[] {"Authorization: Bearer " + issuer.token().sign()};
      case "an admin" -> new String[] {"Authorization: Bearer " + issuer.token().scope("admin").sign()};
      default -> new String[] {"Authorization: Bearer " + issuer.token().scope("orders:read").sign()};
    };
    for (int port : List.of(strictPort, permissivePort)) {
      CountingServlets.HANDLED.clear();
      RawHttp.Response response = RawHttp.send(port, "GET", target, authorization);
      assertThat(response.status()).as(target).isEqualTo(status);
      if (status == 200) {
        assertThat(CountingServlets.HANDLED).containsExactly(handled.replace("\\u00e9", "\u00e9"));
      } else {
        assertThat(CountingServlets.HANDLED).isEmpty();
        assertThat(response.header("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value).startsWith(
            status == 401 ? "Bearer realm=\"api\"" : "Bearer realm=\"api\", error=\"insufficient_scope\""));
      }
    }
  }

  private Server server(UriCompliance compliance) throws Exception {
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    http.setUriCompliance(compliance);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    WebAppContext context = new WebAppContext();
    context.setContextPath("/shop");
    context.setBaseResourceAsPath(webapp);
    context.setParentLoaderPriority(true);
    context.setThrowUnavailableOnStartupException(true);
    if (compliance == UriCompliance.UNSAFE) {
      context.getServletHandler().setDecodeAmbiguousURIs(true);
    }
    server.setHandler(context);
    server.start();
    return server;
  }

  private static String webXml(String issuer) {
    StringBuilder servlets = new StringBuilder();
    for (Class<?> servlet : List.of(CountingServlets.Files.class, CountingServlets.Public.class,
        CountingServlets.Admin.class, CountingServlets.Orders.class)) {
      String name = servlet.getSimpleName().toLowerCase();
      String pattern = switch (name) {
        case "files" -> "/api/files/*";
        case "public" -> "/public/*";
        case "admin" -> "/admin/*";
        default -> "/orders/*";
      };
      servlets.append("<servlet><servlet-name>").append(name).append("</servlet-name><servlet-class>")
          .append(servlet.getName()).append("</servlet-class></servlet>\n<servlet-mapping><servlet-name>")
          .append(name).append("</servlet-name><url-pattern>").append(pattern).append("</url-pattern></servlet-mapping>\n");
    }
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <filter>
            <filter-name>tokengate</filter-name>
            <filter-class>dev.tokengate.TokenGateFilter</filter-class>
            <async-supported>true</async-supported>
            <init-param><param-name>issuer</param-name><param-value>%s</param-value></init-param>
            <init-param><param-name>audiences</param-name><param-value>api</param-value></init-param>
            <init-param><param-name>public-paths</param-name><param-value>/public/*</param-value></init-param>
            <init-param><param-name>scope-rules</param-name><param-value>GET /admin/*=admin</param-value></init-param>
          </filter>
          <filter-mapping>
            <filter-name>tokengate</filter-name>
            <url-pattern>/*</url-pattern>
            <dispatcher>REQUEST</dispatcher>
            <dispatcher>ASYNC</dispatcher>
            <dispatcher>FORWARD</dispatcher>
            <dispatcher>INCLUDE</dispatcher>
            <dispatcher>ERROR</dispatcher>
          </filter-mapping>
          %s
        </web-app>
        """.formatted(issuer, servlets);
  }
}
