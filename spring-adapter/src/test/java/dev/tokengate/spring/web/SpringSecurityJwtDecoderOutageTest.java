package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Mode 2 with the issuer's JWKS endpoint failing throughout: Spring Security's resource server would answer the
 * decoder's failure with a 500; the starter answers 503 with {@code Retry-After} and no challenge.
 */
@SpringBootTest(classes = {SpringSecurityJwtDecoderModeTest.App.class, dev.tokengate.spring.web.RecordingListener.class}, webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1", "tokengate.audiences=api", "tokengate.filter.enabled=false"})
class SpringSecurityJwtDecoderOutageTest {
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

  @Autowired
  AtomicInteger handled;

  @Autowired
  dev.tokengate.spring.web.RecordingListener listener;

  @Autowired
  io.micrometer.core.instrument.MeterRegistry registry;

  @Test
  void keysUnavailable_is503WithRetryAfter_notSpringSecuritys500() {
    HttpResponse<String> response = new Http(port).get("/api/me", issuer.token().sign());
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(response.body()).contains("\"error\":\"temporarily_unavailable\"");
    assertThat(handled.get()).isZero();
    // The listener beans and Micrometer hear it as they hear the filter's 503.
    assertThat(listener.events()).containsExactly("unavailable KEYS_UNAVAILABLE");
    assertThat(registry.get("tokengate.validations").tag("outcome", "keys_unavailable").counter().count())
        .isEqualTo(1);
  }
}
