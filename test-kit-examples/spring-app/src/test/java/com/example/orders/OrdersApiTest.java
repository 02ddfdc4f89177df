package com.example.orders;

import dev.tokengate.testing.IdpPreset;
import dev.tokengate.testing.TestIssuer;
import dev.tokengate.testing.spring.AutoConfigureTestIssuer;
import dev.tokengate.testing.spring.Bearer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.servlet.client.RestTestClient;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureTestIssuer // a mock issuer for this context; tokengate.issuer points at it
class OrdersApiTest {
  @Autowired TestIssuer issuer; // its tokens carry tokengate.audiences' first audience, orders-api
  @LocalServerPort int port;
  RestTestClient client;

  @BeforeEach
  void client() {
    client = RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
  }

  @Test
  void aReaderCanListOrders() {
    client.get().uri("/orders").headers(Bearer.headers(issuer.token().scope("orders:read").sign()))
        .exchange()
        .expectStatus().isOk()
        .expectBody(String.class).isEqualTo("orders for orders-service");
  }

  @Test
  void aReaderCannotCreateOrders() {
    client.post().uri("/orders").headers(Bearer.headers(issuer.token().scope("orders:read").sign()))
        .exchange()
        .expectStatus().isForbidden()
        .expectHeader().value("WWW-Authenticate", challenge -> challenge.contains("insufficient_scope"));
  }

  @Test
  void expiredTokens_are401() {
    client.get().uri("/orders").headers(Bearer.headers(issuer.token().expired().sign()))
        .exchange()
        .expectStatus().isUnauthorized();
  }

  @Test
  void entraIdTokens_needTheirRolesReadAsScopes() {
    // Entra ID puts application permissions in "roles": tokengate reads only scope and scp unless told.
    String entra = issuer.token(IdpPreset.ENTRA_ID).scope("orders:read").sign();
    client.get().uri("/orders").headers(Bearer.headers(entra)).exchange().expectStatus().isForbidden();
  }
}
