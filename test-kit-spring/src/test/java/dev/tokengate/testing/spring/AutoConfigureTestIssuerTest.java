package dev.tokengate.testing.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.core.env.Environment;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The application names a real issuer in its properties; the annotation points it at the test issuer instead, and
 * the tokens it mints carry the application's own audience. Each Spring test client sends them with {@link Bearer}.
 */
@SpringBootTest(classes = OrdersApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "tokengate.issuer=https://login.example.com/realms/orders",
    "tokengate.audiences=orders-api,orders-admin",
})
@AutoConfigureTestIssuer(scopes = "orders:read")
@AutoConfigureMockMvc
class AutoConfigureTestIssuerTest {
  @Autowired TestIssuer issuer;
  @Autowired Environment environment;
  @Autowired MockMvc mockMvc;
  @LocalServerPort int port;

  @Test
  void tokengateIssuer_isTheTestIssuer_andTokensCarryTheFirstConfiguredAudience() throws Exception {
    assertThat(environment.getProperty("tokengate.issuer")).isEqualTo(issuer.issuer()).startsWith("http://127.0.0.1:");
    assertThat(TestIssuerTestSupport.claim(issuer.token().sign(), "aud")).isEqualTo("orders-api");
    assertThat(TestIssuerTestSupport.claim(issuer.token().sign(), "scope")).isEqualTo("orders:read");
  }

  @Test
  void mockMvc_runsTheRealFilter() throws Exception {
    mockMvc.perform(get("/orders").with(Bearer.token(issuer.token().sign())))
        .andExpect(status().isOk())
        .andExpect(result -> assertThat(result.getResponse().getContentAsString()).isEqualTo("orders for orders-service"));
    mockMvc.perform(get("/orders")).andExpect(status().isUnauthorized())
        .andExpect(result -> assertThat(result.getResponse().getHeader("WWW-Authenticate"))
            .isEqualTo("Bearer realm=\"api\""));
    mockMvc.perform(get("/orders").with(Bearer.token(issuer.token().expired().sign())))
        .andExpect(status().isUnauthorized());
    mockMvc.perform(get("/orders").with(Bearer.token(issuer.token().scope("orders:write").sign())))
        .andExpect(status().isForbidden());
  }

  @Test
  void restTestClient_sendsTheToken() {
    RestTestClient client = RestTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
    client.get().uri("/orders").headers(Bearer.headers(issuer.token().sign())).exchange()
        .expectStatus().isOk().expectBody(String.class).isEqualTo("orders for orders-service");
    client.get().uri("/orders").headers(Bearer.headers(issuer.token().wrongAudience().sign())).exchange()
        .expectStatus().isUnauthorized();
    client.post().uri("/orders").headers(Bearer.headers(issuer.token().sign())).exchange()
        .expectStatus().isForbidden();
  }

  @Test
  void webTestClient_sendsTheToken() {
    WebTestClient client = WebTestClient.bindToServer(new JdkClientHttpConnector(HttpClient.newHttpClient()))
        .baseUrl("http://127.0.0.1:" + port).build();
    client.get().uri("/orders").headers(Bearer.headers(issuer.token().sign())).exchange()
        .expectStatus().isOk().expectBody(String.class).isEqualTo("orders for orders-service");
    client.get().uri("/orders").headers(Bearer.headers(issuer.token().signedWithForeignKey().sign())).exchange()
        .expectStatus().isUnauthorized();
  }

  @Nested
  class InANestedClass {
    @Test
    void theIssuerIsThereToo() {
      RestTestClient client = RestTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
      client.get().uri("/orders").headers(Bearer.headers(issuer.token().sign())).exchange().expectStatus().isOk();
    }
  }
}
