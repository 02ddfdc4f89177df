package dev.tokengate.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.spring.web.RawHttp;
import dev.tokengate.testing.TestIssuer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The fail-closed path matrix on a real Reactor Netty server with Spring Security's WebFlux chain in front of
 * tokengate's decoder, sent raw over a socket. Each hostile request is answered 400 {@code invalid_request} with
 * tokengate's JSON body and reaches no handler; normal requests behave as before. Run by a subclass with Spring
 * Security's own firewall as it comes, and by one where the application switched it off.
 */
abstract class WebFluxFirewallMatrix {
  /** The subclass's issuer: each test class starts and stops its own. */
  abstract TestIssuer issuer();

  @LocalServerPort
  int port;

  @Autowired
  WebFluxFirewallApi.HandlerCalls calls;

  RawHttp http;

  @BeforeEach
  void client() {
    http = new RawHttp(port);
    calls.reset();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/public/%2e%2e/api/admin/users",                      // encoded dot segments out of the open part
      "/public/%2E%2E/api/admin/users",
      "/public/.%2e/api/admin/users",                        // half-encoded
      "/public/%2e%2e%2fapi%2fadmin",                        // encoded dots and slashes
      "/public%2f..%2fapi/admin",                            // encoded slash
      "/public/..%2fapi%2fadmin",
      "/public/%5c..%5capi/admin",                           // encoded backslashes
      "/public/..;/api/admin/users",                         // path parameters on a dot segment
      "/public;x=1/../api/admin",
      "/public/x;jsessionid=0123456789ABCDEF",               // session id in the path
      "/public/../api/admin/users",                          // plain dot segments in the request line
      "/public/./x",
      "/public/x/..",
      "//public/x",                                          // empty segments
      "/public//x",
      "/public/%252e%252e/api/admin",                        // double encoding
      "/public/%25",                                         // encoded percent
      "/public/%00x",                                        // encoded controls
      "/public/%0a/x",
      "/public/%09",
      "/public/%c0%ae%c0%ae/api/admin",                      // overlong UTF-8 dots: not UTF-8
      "/public/%ff",                                         // not UTF-8
      "/public/caf%e9",                                      // Latin-1, not UTF-8
      "/public/x%20",                                        // encoded space ending a segment
      "/public/x.",                                          // a trailing dot
      "/%70ublic/x",                                         // needless encoding of a letter
  })
  void hostilePath_withoutToken_is400InvalidRequest_andNoHandlerRuns(String target) {
    assertRefusedByTokengate(http.get(target, null), target);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/admin/..;/x", "/api/admin/%2e%2e/x", "/api//admin/x", "/api/admin/x;.css"})
  void hostilePath_withAValidToken_is400_andNoHandlerRuns(String target) {
    assertRefusedByTokengate(http.get(target, issuer().token().scope("admin").sign()), target);
  }

  @Test
  void hostilePath_inAbsoluteForm_is400_andNoHandlerRuns() {
    String target = "http://127.0.0.1:" + port + "/public/%2e%2e/api/admin/users";
    assertRefusedByTokengate(http.get(target, null), target);
  }

  @Test
  void trace_is400_andNoHandlerRuns() {
    RawHttp.Response response = http.send("TRACE", "/public/x", issuer().token().scope("admin").sign());
    assertRefusedByTokengate(response, "TRACE /public/x");
    assertThat(response.body()).contains("The request method TRACE is not allowed").doesNotContain("Bearer");
  }

  // Spring's Reactor Netty adapter refuses these itself (the request target is no URI), before any web filter: an
  // empty 400, still no handler.
  @ParameterizedTest
  @ValueSource(strings = {"/public\\..\\api\\admin", "/public/x|y", "/public/x\"y", "/public/%", "/public/%zz"})
  void pathTheServerCannotParse_isRefused_andNoHandlerRuns(String target) {
    RawHttp.Response response = http.get(target, null);
    assertThat(calls.snapshot()).as("handlers run by %s (answered %s)", target, response.status()).isEmpty();
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.header("WWW-Authenticate")).isEmpty();
  }

  // --- normal requests behave as before

  @Test
  void openPath_needsNoToken() {
    assertThat(http.get("/public/x", null).status()).isEqualTo(200);
    assertThat(http.get("/public/caf%C3%A9/a%20b.txt?next=/../%2e%2e;x", null).status()).isEqualTo(200);
    assertThat(calls.snapshot()).isEqualTo(Map.of("public", 2));
  }

  @Test
  void protectedPath_withoutToken_is401_andWithOne200() {
    RawHttp.Response none = http.get("/api/x", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(calls.snapshot()).isEmpty();
    assertThat(http.get("/api/v1.0/report.2024.csv", issuer().token().sign()).status()).isEqualTo(200);
    assertThat(http.get("/api/admin/users", issuer().token().scope("admin").sign()).status()).isEqualTo(200);
    assertThat(calls.snapshot()).isEqualTo(Map.of("admin", 1, "api", 1));
  }

  void assertRefusedByTokengate(RawHttp.Response response, String target) {
    assertThat(calls.snapshot()).as("handlers run by %s (answered %s)", target, response.status()).isEmpty();
    assertThat(response.status()).as(target).isEqualTo(400);
    assertThat(response.body()).as(target).startsWith("{\"error\":\"invalid_request\",\"error_description\":\"The request");
    assertThat(response.header("Content-Type")).hasValue("application/json");
    assertThat(response.header("Cache-Control")).hasValue("no-store");
    assertThat(response.header("WWW-Authenticate")).as(target).isEmpty();
  }
}
