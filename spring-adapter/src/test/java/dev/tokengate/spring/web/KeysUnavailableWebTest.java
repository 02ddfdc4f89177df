package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The issuer's JWKS endpoint answers 500 throughout: callers get 503, health says DOWN, metrics count it. */
@SpringBootTest(classes = TestApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "tokengate.audiences=api",
    "tokengate.public-paths=/actuator/*",
    "management.endpoints.web.exposure.include=health,metrics",
    "management.endpoint.health.show-details=always",
})
class KeysUnavailableWebTest {
  private static final TestIssuer issuer = TestIssuer.start();

  static {
    issuer.server().fail("/jwks", JwksServer.Fault.status(500));
  }

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

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
  }

  @Test
  void keysUnavailable_is503_healthIsDown_andItIsCounted() {
    HttpResponse<String> response = http.get("/api/orders", issuer.token().sign());
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();

    HttpResponse<String> health = http.get("/actuator/health", null);
    assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
    assertThat(health.body()).endsWith("\"status\":\"DOWN\"}");
    HttpResponse<String> tokengate = http.get("/actuator/health/tokengate", null);
    assertThat(tokengate.statusCode()).isEqualTo(503);
    assertThat(tokengate.body()).contains("\"keysLoaded\":0")
        .contains("\"lastError\":\"" + issuer.server().jwksUri() + " answered HTTP 500\"")
        .endsWith("\"status\":\"DOWN\"}");

    HttpResponse<String> metrics =
        http.get("/actuator/metrics/tokengate.validations?tag=outcome:keys_unavailable", null);
    assertThat(metrics.body()).contains("\"statistic\":\"COUNT\",\"value\":1.0");
  }
}
