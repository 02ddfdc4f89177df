package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The starter in a real Spring Boot application: embedded Tomcat on loopback, a real JWKS endpoint, real HTTP, and
 * only the dependency plus {@code tokengate.issuer} and {@code tokengate.audiences} configured.
 */
@SpringBootTest(classes = TestApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "tokengate.audiences=api",
    "tokengate.public-paths=/public/*,/actuator/health,/actuator/health/*",
    "management.endpoints.web.exposure.include=health,metrics",
    "management.endpoint.health.show-details=always",
})
class TokenGateWebTest {
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

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
  }

  @Test
  void validToken_reachesTheController() {
    HttpResponse<String> response = http.get("/api/countries", issuer.token().sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("countries");
  }

  @Test
  void noToken_is401WithABareChallenge() {
    HttpResponse<String> response = http.get("/api/countries", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
  }

  @Test
  void emptyBearerCredentials_is400InvalidRequest() {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(http.uri("/api/countries"))
        .header("Authorization", "Bearer ").GET().build());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue(challenge("invalid_request", "The Bearer credentials are empty"));
  }

  @Test
  void expiredToken_is401InvalidToken() {
    String token = issuer.token().issuedAt(Instant.now().minusSeconds(900)).notBefore(Instant.now().minusSeconds(900))
        .expiresAt(Instant.now().minusSeconds(300)).sign();
    assertRejected(http.get("/api/countries", token), 401, "invalid_token", "The access token expired");
  }

  @Test
  void tokenForAnotherAudience_is401InvalidToken() {
    assertRejected(http.get("/api/countries", issuer.token().audience("billing").sign()),
        401, "invalid_token", "The access token is for another audience");
  }

  @Test
  void tokenOfAnotherIssuer_is401InvalidToken() {
    assertRejected(http.get("/api/countries", issuer.token().issuer("https://evil.example.com").sign()),
        401, "invalid_token", "The access token was issued by an untrusted issuer");
  }

  @Test
  void tokenSignedWithAnUnpublishedKey_is401InvalidToken() {
    String token = issuer.tokenSignedWith(SigningKey.rsa("key-1")).sign();
    assertRejected(http.get("/api/countries", token), 401, "invalid_token", "The access token signature is invalid");
  }

  @Test
  void requiredScopeOnTheClass_refusesATokenWithoutIt() {
    HttpResponse<String> response = http.get("/api/countries", issuer.token().scope("orders:write").sign());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"countries:read\"");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.body()).isEqualTo("{\"error\":\"insufficient_scope\","
        + "\"error_description\":\"The access token lacks a scope this request requires\"}");
  }

  @Test
  void requiredScopeOnTheMethod_winsOverTheClass() {
    String readOnly = issuer.token().scope("countries:read").sign();
    assertThat(http.send("POST", "/api/countries", readOnly).statusCode()).isEqualTo(403);
    assertThat(http.send("POST", "/api/countries", readOnly).headers().firstValue("WWW-Authenticate").orElseThrow())
        .endsWith("scope=\"countries:write\"");
    // The method's requirement replaces the class's: countries:write alone is enough.
    HttpResponse<String> writeOnly = http.send("POST", "/api/countries", issuer.token().scope("countries:write").sign());
    assertThat(writeOnly.statusCode()).isEqualTo(200);
    assertThat(writeOnly.body()).isEqualTo("created");
  }

  @Test
  void requiredScopeAnyMode_acceptsEitherScope() {
    assertThat(http.get("/api/countries/either", issuer.token().scope("orders:write").sign()).statusCode())
        .isEqualTo(200);
    HttpResponse<String> neither = http.get("/api/countries/either", issuer.token().scope("countries:read").sign());
    assertThat(neither.statusCode()).isEqualTo(403);
    assertThat(neither.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks every one of the scopes this"
        + " request accepts\", scope=\"admin orders:write\"");
  }

  @Test
  void userDefinedMetaAnnotation_isEnforced() {
    String token = issuer.token().scope("orders:write").sign();
    HttpResponse<String> allowed = http.send("POST", "/api/orders", token);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.body()).isEqualTo("order created");
    HttpResponse<String> refused = http.send("DELETE", "/api/orders", token);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate").orElseThrow()).endsWith("scope=\"orders:delete\"");
  }

  @Test
  void handlerWithoutRequiredScope_needsOnlyAValidToken() {
    assertThat(http.get("/api/orders", issuer.token().scope().sign()).body()).isEqualTo("orders");
  }

  @Test
  void clientPrincipalParameter_isTheCaller() {
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("billing-service")
        .scope("countries:read", "orders:write").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("billing-service [countries:read, orders:write]");
  }

  @Test
  void principalParameter_isTheClientPrincipal() {
    HttpResponse<String> response = http.get("/api/me/principal", issuer.token().clientId("billing-service").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("ClientPrincipal billing-service");
  }

  @Test
  void publicPath_needsNoToken() {
    HttpResponse<String> response = http.get("/public/ping", null);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("pong anonymous");
  }

  @Test
  void requiredScopeOnAPublicPath_failsClosedWithAChallenge() {
    HttpResponse<String> response = http.get("/public/scoped", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
  }

  @Test
  void metrics_countEachOutcome() {
    String reader = issuer.token().sign();
    double acceptedBefore = count("accepted", reader);
    double invalidBefore = count("invalid_token", reader);
    double scopeBefore = count("insufficient_scope", reader);
    double missingBefore = count("missing_token", reader);
    double requestBefore = count("invalid_request", reader);

    http.get("/api/orders", reader);
    http.get("/api/countries", issuer.token().audience("billing").sign());
    http.get("/api/countries", issuer.token().scope("orders:write").sign());
    http.get("/api/countries", null);
    http.send(HttpRequest.newBuilder(http.uri("/api/countries")).header("Authorization", "Bearer ").GET().build());

    // Each count() call is itself an accepted request, made before the value is read.
    assertThat(count("accepted", reader) - acceptedBefore).isEqualTo(1 + 5 + 1);
    assertThat(count("invalid_token", reader) - invalidBefore).isEqualTo(1);
    assertThat(count("insufficient_scope", reader) - scopeBefore).isEqualTo(1);
    assertThat(count("missing_token", reader) - missingBefore).isEqualTo(1);
    assertThat(count("invalid_request", reader) - requestBefore).isEqualTo(1);
  }

  @Test
  void health_reportsTheIssuersKeys_onAPublicPath() {
    assertThat(http.get("/api/orders", issuer.token().sign()).statusCode()).isEqualTo(200);
    String component = "/actuator/health/tokengate/" + issuer.issuer().replace("http://", "").replace(':', '-');
    HttpResponse<String> response = http.get(component, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"status\":\"UP\"")
        .contains("\"issuer\":\"" + issuer.issuer() + "\"")
        .contains("\"keysLoaded\":1")
        .contains("\"jwksUri\":\"" + issuer.server().jwksUri() + "\"")
        .contains("\"stale\":false");
    assertThat(http.get("/actuator/health", null).body()).contains("\"tokengate\"");
  }

  @Test
  void metricsEndpoint_isProtectedLikeEveryOtherPath() {
    assertThat(http.get("/actuator/metrics/tokengate.validations", null).statusCode()).isEqualTo(401);
  }

  private double count(String outcome, String token) {
    HttpResponse<String> response =
        http.get("/actuator/metrics/tokengate.validations?tag=outcome:" + outcome, token);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Matcher value = Pattern.compile("\"statistic\"\\s*:\\s*\"COUNT\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.E]+)")
        .matcher(response.body());
    assertThat(value.find()).as(response.body()).isTrue();
    return Double.parseDouble(value.group(1));
  }

  private static void assertRejected(HttpResponse<String> response, int status, String error, String description) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(challenge(error, description));
    assertThat(response.body())
        .isEqualTo("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
  }

  private static String challenge(String error, String description) {
    return "Bearer realm=\"api\", error=\"" + error + "\", error_description=\"" + description + "\"";
  }
}
