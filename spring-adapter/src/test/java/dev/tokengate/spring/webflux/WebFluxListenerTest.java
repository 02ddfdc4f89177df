package dev.tokengate.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.spring.web.Http;
import dev.tokengate.spring.web.RawHttp;
import dev.tokengate.spring.web.RecordingListener;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Mode 3: the application's {@code ValidationListener} beans and Micrometer's {@code tokengate.validations} counter
 * hear what tokengate's {@code ReactiveJwtDecoder} decides (a remembered token answered on the event loop included)
 * and what tokengate's request firewall refuses.
 */
@SpringBootTest(classes = {WebFluxApi.class, WebFluxListenerTest.Listener.class},
    webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "server.address=127.0.0.1", "tokengate.audiences=api"})
class WebFluxListenerTest {
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
  RecordingListener listener;

  @Autowired
  MeterRegistry registry;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
    listener.clear();
  }

  @Test
  void acceptedRememberedAndRejectedTokens_andFirewallRefusals_areHeard_andCounted() {
    double accepted = count("accepted");
    double invalid = count("invalid_token");
    double invalidRequest = count("invalid_request");
    String token = issuer.token().clientId("billing-service").sign();
    assertThat(http.get("/api/me", token).statusCode()).isEqualTo(200);
    assertThat(http.get("/api/me", token).statusCode()).isEqualTo(200);
    assertThat(http.get("/api/me", issuer.tokenSignedWith(SigningKey.rsa("forger")).kid(issuer.key().kid()).sign())
        .statusCode()).isEqualTo(401);
    assertThat(new RawHttp(port).get("/api/%2e%2e/me", token).status()).isEqualTo(400);

    assertThat(listener.events()).containsExactly("accepted billing-service", "accepted billing-service",
        "invalid_token The access token signature is invalid",
        "invalid_request The request path contains an encoded dot, slash, backslash, percent or semicolon");
    assertThat(count("accepted")).isEqualTo(accepted + 2);
    assertThat(count("invalid_token")).isEqualTo(invalid + 1);
    assertThat(count("invalid_request")).isEqualTo(invalidRequest + 1);
  }

  private double count(String outcome) {
    return registry.get("tokengate.validations").tag("outcome", outcome).counter().count();
  }

  @Configuration(proxyBeanMethods = false)
  static class Listener {
    @Bean
    RecordingListener recordingListener() {
      return new RecordingListener();
    }
  }
}
