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
 * The path-confusion matrix with {@code tokengate.filter.url-patterns=/api/*}, as README suggests next to Spring
 * Security: Tomcat maps filters on the normalized path, so {@code /api/files/..;/..;/anything} (servlet path {@code
 * /anything}) would not pass through a filter mapped to {@code /api/*} at all, while Spring MVC routes it to the
 * {@code /api/files/**} handler.
 */
@SpringBootTest(classes = PathConfusionApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "tokengate.audiences=api",
    "tokengate.filter.url-patterns=/api/*",
})
class PathConfusionUrlPatternsTest {
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

  @ParameterizedTest
  @ValueSource(strings = {
      "/api/files/..;/..;/anything",                          // bypass: the issue's
      "/api/files/%2e%2e/%2e%2e/anything",                    // bypass
      "/api/files/../../anything",                            // bypass
      "/api/files//..//..//anything",                         // bypass
      "/api/files/..;/..;/public/ping",                       // bypass
      "/api/admin/..;/..;/anything",                          // the interceptor's 401 before the firewall
      "/api/files/..;/..;/api/files/x",
      "/public/..;/api/files/x",
  })
  // Before the starter registered the firewall on /* too, the first five reached the files handler without a token
  // even with the filter's firewall, which runs only where the filter is mapped.
  void hostileUri_isRefusedBeforeAnyHandler(String target) {
    RawHttp.Response response = http.get(target, null);
    assertThat(calls.snapshot()).as("handlers run by %s (answered %s)", target, response.status()).isEmpty();
    assertThat(response.status()).as("status of %s: %s %s", target, response.headers(), response.body())
        .isEqualTo(400);
    assertThat(response.header("WWW-Authenticate")).isEmpty();
    assertThat(response.body()).startsWith("{\"error\":\"invalid_request\",\"error_description\":\"The request path");
  }

  @Test
  void mappedPath_needsAToken() {
    RawHttp.Response response = http.get("/api/files/x", null);
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    assertThat(calls.snapshot()).isEmpty();
    assertThat(http.get("/api/files/x", issuer.token().sign()).status()).isEqualTo(200);
    assertThat(calls.snapshot()).isEqualTo(Map.of("files", 1));
  }

  @Test
  void pathOutsideTheMapping_isLeftAlone() {
    RawHttp.Response response = http.get("/public/ping", null);
    assertThat(response.status()).isEqualTo(200);
    assertThat(calls.snapshot()).isEqualTo(Map.of("public", 1));
  }
}
