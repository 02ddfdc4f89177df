package dev.tokengate.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.spring.security.TokenGateReactiveJwtDecoder;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import dev.tokengate.spring.web.Http;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Mode 3 of "With Spring Security" (README): a WebFlux application on Reactor Netty with Spring Security's resource
 * server and tokengate's {@link TokenGateReactiveJwtDecoder}, configured by properties alone.
 */
@SpringBootTest(classes = WebFluxApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "spring.main.web-application-type=reactive", "server.address=127.0.0.1", "tokengate.audiences=api"})
class WebFluxResourceServerTest {
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
  AtomicInteger handled;

  @Autowired
  ReactiveJwtDecoder decoder;

  @Autowired
  WebServerApplicationContext context;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
  }

  @Test
  void runsOnNetty_withTokengatesDecoder() {
    assertThat(context.getWebServer().getClass().getSimpleName()).isEqualTo("NettyWebServer");
    assertThat(decoder).isInstanceOf(TokenGateReactiveJwtDecoder.class);
  }

  @Test
  void certificateBoundToken_is401_cachedOrNot() {
    int before = handled.get();
    String token = issuer.token().claim("cnf", java.util.Map.of("x5t#S256",
        "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0")).sign();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> response = http.get("/api/me", token);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
          .contains("error=\"invalid_token\"", "The access token is certificate-bound, which this API cannot check");
    }
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void validToken_reachesTheHandler_asSpringsJwt() {
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("billing-service").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("billing-service " + issuer.issuer() + " countries:read orders:write");
  }

  @Test
  void hasAuthority_andPreAuthorize_letTheScopeThrough() {
    assertThat(http.get("/api/admin", issuer.token().scope("admin").sign()).statusCode()).isEqualTo(200);
    assertThat(http.get("/api/reports", issuer.token().scope("reports:read").sign()).statusCode()).isEqualTo(200);
  }

  @Test
  void hasAuthority_refusesAMissingScope_asTokengatesRfc6750_403_withTheScope() {
    int before = handled.get();
    HttpResponse<String> admin = http.get("/api/admin", issuer.token().scope("orders:write").sign());
    assertThat(admin.statusCode()).isEqualTo(403);
    assertThat(admin.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"admin\"");
    assertThat(admin.body()).isEqualTo("{\"error\":\"insufficient_scope\","
        + "\"error_description\":\"The access token lacks a scope this request requires\"}");
    assertThat(admin.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void preAuthorize_refusesAMissingScope_as403_withoutAScopeItCannotKnow() {
    int before = handled.get();
    HttpResponse<String> reports = http.get("/api/reports", issuer.token().scope("orders:write").sign());
    assertThat(reports.statusCode()).isEqualTo(403);
    assertThat(reports.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\"");
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void noToken_is401_withABearerChallenge_andNoHandlerRuns() {
    int before = handled.get();
    HttpResponse<String> none = http.get("/api/me", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void forgedToken_andExpiredToken_areTokengates401InvalidToken_andNoHandlerRuns() {
    int before = handled.get();
    HttpResponse<String> forged =
        http.get("/api/me", issuer.tokenSignedWith(SigningKey.rsa("forger")).kid(issuer.key().kid()).sign());
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(forged.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"");
    assertThat(forged.body()).startsWith("{\"error\":\"invalid_token\",\"error_description\":\"");

    HttpResponse<String> expired =
        http.get("/api/me", issuer.token().expiresAt(java.time.Instant.now().minusSeconds(600)).sign());
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"invalid_token\", error_description=\"The access token expired\"");
    assertThat(expired.body())
        .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"The access token expired\"}");
    assertThat(handled.get()).isEqualTo(before);
  }

  // Spring Security's converter reads the header and calls a malformed one invalid_token: kept, in tokengate's form.
  @Test
  void malformedAuthorizationHeader_is401_inTokengatesForm() {
    HttpResponse<String> response = http.send(java.net.http.HttpRequest.newBuilder(http.uri("/api/me"))
        .header("Authorization", "Bearer not a token").build());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"invalid_token\", error_description=\"Bearer token is malformed\"");
    assertThat(response.body())
        .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"Bearer token is malformed\"}");
  }

  @Test
  void newKid_afterRotation_isAccepted() {
    issuer.rotate();
    assertThat(http.get("/api/me", issuer.token().clientId("rotated").sign()).body()).startsWith("rotated ");
  }
}
