package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Mode 2: the application's {@code ValidationListener} beans and Micrometer's {@code tokengate.validations} counter
 * hear the tokens tokengate's {@code JwtDecoder} decodes behind Spring Security, as they hear the filter's.
 */
@SpringBootTest(classes = {SpringSecurityJwtDecoderModeTest.App.class, SpringSecurityJwtDecoderListenerTest.Listener.class},
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1", "tokengate.audiences=api", "tokengate.filter.enabled=false"})
class SpringSecurityJwtDecoderListenerTest {
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
  void acceptedAndRejectedTokens_areHeard_andCounted() {
    double accepted = count("accepted");
    double invalid = count("invalid_token");
    String token = issuer.token().clientId("billing-service").sign();
    assertThat(http.get("/api/me", token).statusCode()).isEqualTo(200);
    assertThat(http.get("/api/me", token).statusCode()).isEqualTo(200);
    assertThat(http.get("/api/me", issuer.tokenSignedWith(SigningKey.rsa("forger")).kid(issuer.key().kid()).sign())
        .statusCode()).isEqualTo(401);
    assertThat(http.get("/api/me", issuer.token().expiresAt(java.time.Instant.now().minusSeconds(600)).sign())
        .statusCode()).isEqualTo(401);

    assertThat(listener.events()).containsExactly("accepted billing-service", "accepted billing-service",
        "invalid_token The access token signature is invalid", "invalid_token The access token expired");
    assertThat(count("accepted")).isEqualTo(accepted + 2);
    assertThat(count("invalid_token")).isEqualTo(invalid + 2);
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
