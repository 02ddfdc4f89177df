package dev.tokengate.spring.webflux;

import dev.tokengate.testing.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The matrix with Spring Security's {@code StrictServerWebExchangeFirewall} as it comes: tokengate answers first. */
@SpringBootTest(classes = WebFluxFirewallApi.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "spring.main.web-application-type=reactive", "server.address=127.0.0.1", "tokengate.audiences=api"})
class WebFluxFirewallTest extends WebFluxFirewallMatrix {
  private static final TestIssuer issuer = TestIssuer.start();

  @Override
  TestIssuer issuer() {
    return issuer;
  }

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", issuer::issuer);
  }

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }
}
