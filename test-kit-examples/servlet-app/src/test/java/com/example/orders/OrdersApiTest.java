package com.example.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tokengate.testing.IdpPreset;
import dev.tokengate.testing.ServletApp;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OrdersApiTest {
  // One mock issuer for the class, on a random loopback port; its tokens carry our API's audience.
  @RegisterExtension
  static final TestIssuer issuer = TestIssuer.builder().audience("orders-api").extension();

  static ServletApp app;

  @BeforeAll
  static void deploy() {
    // Our real web.xml in an embedded Jetty, its tokengate filter pointed at the mock issuer.
    app = ServletApp.webApp(Path.of("src/main/webapp")).start(issuer);
  }

  @AfterAll
  static void undeploy() {
    app.close();
  }

  @Test
  void aReaderCanListOrders() {
    HttpResponse<String> response = app.get("/orders", issuer.token().scope("orders:read").sign());
    assertEquals(200, response.statusCode());
    assertEquals("orders for orders-service", response.body());
  }

  @Test
  void aReaderCannotCreateOrders() {
    HttpResponse<String> response = app.send("POST", "/orders", issuer.token().scope("orders:read").sign());
    assertEquals(403, response.statusCode());
    assertEquals("Bearer realm=\"api\", error=\"insufficient_scope\", error_description=\"The access token lacks a "
        + "scope this request requires\", scope=\"orders:write\"", response.headers().firstValue("WWW-Authenticate")
        .orElseThrow());
  }

  @Test
  void noToken_is401() {
    assertEquals(401, app.get("/orders", null).statusCode());
  }

  @Test
  void hostileTokens_are401() {
    assertEquals(401, app.get("/orders", issuer.token().expired().sign()).statusCode());
    assertEquals(401, app.get("/orders", issuer.token().wrongAudience().sign()).statusCode());
    assertEquals(401, app.get("/orders", issuer.token().signedWithForeignKey().sign()).statusCode());
    assertEquals(401, app.get("/orders", issuer.token().algNone().sign()).statusCode());
  }

  @Test
  void keycloakTokens_areAccepted() {
    String keycloak = issuer.token(IdpPreset.KEYCLOAK).clientId("billing").scope("orders:read").sign();
    assertEquals("orders for billing", app.get("/orders", keycloak).body());
  }
}
