package com.example.orders;

import static org.assertj.core.api.Assertions.assertThat;

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
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("orders for orders-service");
  }

  @Test
  void aReaderCannotCreateOrders() {
    HttpResponse<String> response = app.send("POST", "/orders", issuer.token().scope("orders:read").sign());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("error=\"insufficient_scope\"", "scope=\"orders:write\""));
  }

  @Test
  void noToken_is401() {
    assertThat(app.get("/orders", null).statusCode()).isEqualTo(401);
  }

  @Test
  void hostileTokens_are401() {
    assertThat(app.get("/orders", issuer.token().expired().sign()).statusCode()).isEqualTo(401);
    assertThat(app.get("/orders", issuer.token().wrongAudience().sign()).statusCode()).isEqualTo(401);
    assertThat(app.get("/orders", issuer.token().signedWithForeignKey().sign()).statusCode()).isEqualTo(401);
    assertThat(app.get("/orders", issuer.token().algNone().sign()).statusCode()).isEqualTo(401);
  }

  @Test
  void keycloakTokens_areAccepted() {
    String keycloak = issuer.token(IdpPreset.KEYCLOAK).clientId("billing").scope("orders:read").sign();
    assertThat(app.get("/orders", keycloak).body()).isEqualTo("orders for billing");
  }
}
