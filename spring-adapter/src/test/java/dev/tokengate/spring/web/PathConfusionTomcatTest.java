package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.TestIssuer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The path-confusion matrix on embedded Tomcat. Tomcat strips {@code ;params}, decodes {@code %2e} and resolves
 * {@code ..} before it computes the servlet path the filter matches on, while Spring MVC routes on the raw request
 * URI; every URI on which the two could disagree is refused before any handler runs. Requests are sent raw.
 */
@SpringBootTest(classes = PathConfusionApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "tokengate.audiences=api",
    "tokengate.public-paths=/public/*,*.css",
    "tokengate.scope-rules=GET /api/reports/*=reports:read",
})
class PathConfusionTomcatTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", issuer::issuer);
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  PathConfusionApi.HandlerCalls calls;

  private RawHttp http;

  @BeforeEach
  void client() {
    http = new RawHttp(port);
    calls.reset();
  }

  // Without a token. Those marked "bypass" reached a handler without a token before the firewall (tokengate's filter
  // answers them 400 now).
  @ParameterizedTest
  @ValueSource(strings = {
      "/api/files/..;/..;/public/ping",                       // bypass: the issue's
      "/api/files/%2e%2e/%2e%2e/public/ping",                 // bypass: the issue's
      "/api/files/%2E%2E/%2E%2E/public/ping",                 // upper-case escapes
      "/api/files/.%2e/.%2e/public/ping",                     // half-encoded dot segments
      "/api/files/%2e%2e;/%2e%2e;/public/ping",               // encoded dots and a path parameter
      "/api/files/../../public/ping",                         // plain dot segments in the raw request line
      "/api/files/./../../public/ping",
      "/api/files//..//..//public/ping",                      // Tomcat merges '//', Spring MVC does not
      "/api/files/..;jsessionid=x/..;jsessionid=x/public/ping",
      "/api/files/x/..;/..;/..;/public/ping?q=1",
      "/api/files/x%3b.css",                                  // Tomcat decodes %3b after stripping ;params: *.css
      "/api/files/x;.css",
      "/api/files;x=1/..;/..;/public/ping",
      "/api/files/%0a/../../public/ping",                     // control characters
      "/api/files/%09/../../public/ping",
      "/api/files/%252e%252e/%252e%252e/public/ping",         // double encoding
      "/public/ping;jsessionid=0123456789ABCDEF",             // session id in the path
      "/public/ping/..",
      "/public/..;/api/files/x",
      "/public/%2e%2e/api/files/x",
      "/api/admin/..;/..;/public/ping",                       // an annotated handler behind a public path
      "/api/admin/%2e%2e/%2e%2e/public/ping",
      "/api/files/..",
      "//api/files/x",
      "/api//files/x",
      "/public/ping%20",                                      // encoded space ending a segment
      "/api/files/%2e",
      "/api/files/x.",                                        // a trailing dot (Windows file systems drop it)
      "/%70ublic/ping",                                       // needless encoding of a letter
  })
  void hostileUri_withoutToken_isRefusedBeforeAnyHandler(String target) {
    assertRefused(http.get(target, null), target);
  }

  // Tomcat itself answers these 400 (its own HTML page) before any filter: still no handler, and no challenge.
  @ParameterizedTest
  @ValueSource(strings = {
      "/api/files%2f..%2f..%2fpublic/ping",                   // encoded slashes
      "/api/files/..%2f..%2fpublic/ping",
      "/api/files/%5c..%5c..%5cpublic/ping",                  // encoded backslashes
      "/api/files/..%5c..%5cpublic/ping",
      "/api/files\\..\\..\\public\\ping",                     // raw backslashes
      "/api/files/%00/../../public/ping",                     // NUL
      "/api/files/%c0%ae%c0%ae/%c0%ae%c0%ae/public/ping",     // overlong UTF-8 dots
  })
  void hostileUri_thatTomcatRefusesItself_neverReachesAHandler(String target) {
    RawHttp.Response response = http.get(target, null);
    assertThat(calls.snapshot()).as("handlers run by %s (answered %s)", target, response.status()).isEmpty();
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.header("WWW-Authenticate")).isEmpty();
  }

  @Test
  void hostileUri_inAbsoluteForm_isRefusedBeforeAnyHandler() {
    String target = "http://127.0.0.1:" + port + "/api/files/..;/..;/public/ping";
    assertRefused(http.get(target, null), target);
  }

  // A valid token lacking reports:read. The scope rule sees /api/other; Spring MVC routes to the reports handler.
  @ParameterizedTest
  @ValueSource(strings = {
      "/api/reports/..;/other/x",                             // bypass
      "/api/reports/%2e%2e/other/x",                          // bypass
      "/api/reports/../other/x",                              // bypass
      "/api/reports//..//other/x",                            // bypass
      "/api/reports/x;.css",
      "/api/admin/..;/files/x",
  })
  void hostileUri_aroundAScopeRule_isRefusedBeforeAnyHandler(String target) {
    assertRefused(http.get(target, issuer.token().scope("orders:read").sign()), target);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/files/..;/..;/public/ping", "/api/files/%2e%2e/x"})
  void hostileUri_isRefusedEvenWithAValidToken(String target) {
    assertRefused(http.get(target, issuer.token().scope("admin", "reports:read").sign()), target);
  }

  // --- normal URIs behave as before

  @Test
  void normalUri_withoutToken_is401() {
    RawHttp.Response response = http.get("/api/files/x", null);
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    assertThat(calls.snapshot()).isEmpty();
  }

  @Test
  void normalUri_withToken_reachesTheHandler() {
    RawHttp.Response response = http.get("/api/files/a/b%20c.txt?download=true", issuer.token().sign());
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("files");
    assertThat(calls.snapshot()).isEqualTo(Map.of("files", 1));
  }

  @Test
  void publicPath_needsNoToken() {
    RawHttp.Response response = http.get("/public/ping", null);
    assertThat(response.status()).isEqualTo(200);
    assertThat(calls.snapshot()).isEqualTo(Map.of("public", 1));
  }

  @Test
  void dotsInTheQuery_areNotPathSegments() {
    RawHttp.Response response = http.get("/api/files/x?next=/../..;/%2e%2e", null);
    assertThat(response.status()).isEqualTo(401);
    assertThat(calls.snapshot()).isEmpty();
  }

  @Test
  void otherCase_isAnotherPath_andStillNeedsAToken() {
    assertThat(http.get("/API/files/x", null).status()).isEqualTo(401);
    assertThat(http.get("/PUBLIC/ping", null).status()).isEqualTo(401);
    assertThat(calls.snapshot()).isEmpty();
  }

  @Test
  void trailingSlash_stillNeedsAToken() {
    assertThat(http.get("/api/files/x/", null).status()).isEqualTo(401);
    assertThat(calls.snapshot()).isEmpty();
  }

  @Test
  void scopeRule_refusesATokenWithoutTheScope_andAcceptsOneWithIt() {
    RawHttp.Response refused = http.get("/api/reports/x", issuer.token().scope("orders:read").sign());
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.header("WWW-Authenticate").orElseThrow()).contains("scope=\"reports:read\"");
    assertThat(calls.snapshot()).isEmpty();
    assertThat(http.get("/api/reports/x", issuer.token().scope("reports:read").sign()).status()).isEqualTo(200);
    assertThat(calls.snapshot()).isEqualTo(Map.of("reports", 1));
  }

  @Test
  void requiredScope_refusesATokenWithoutTheScope_andAcceptsOneWithIt() {
    RawHttp.Response refused = http.get("/api/admin/x", issuer.token().scope("orders:read").sign());
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.header("WWW-Authenticate").orElseThrow()).contains("scope=\"admin\"");
    assertThat(calls.snapshot()).isEmpty();
    assertThat(http.get("/api/admin/x", issuer.token().scope("admin").sign()).status()).isEqualTo(200);
    assertThat(calls.snapshot()).isEqualTo(Map.of("admin", 1));
  }

  private void assertRefused(RawHttp.Response response, String target) {
    assertThat(calls.snapshot()).as("handlers run by %s (answered %s)", target, response.status()).isEmpty();
    assertThat(response.status()).as("status of %s: %s %s", target, response.headers(), response.body())
        .isEqualTo(400);
    // Refused before any token is looked at: no challenge, as a new token would not help.
    assertThat(response.header("WWW-Authenticate")).isEmpty();
    assertThat(response.header("Cache-Control")).hasValue("no-store");
    assertThat(response.body()).startsWith("{\"error\":\"invalid_request\",\"error_description\":\"The request path");
  }
}
