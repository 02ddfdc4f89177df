package dev.tokengate.spring.webflux;

import dev.tokengate.testing.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.web.server.firewall.ServerWebExchangeFirewall;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The matrix with Spring Security's firewall switched off by the application (a {@link ServerWebExchangeFirewall}
 * bean that lets everything through, as an application relaxing it for one odd client might): tokengate's firewall
 * alone still refuses every hostile path. Without it, {@code /public/%2e%2e/api/admin/users} and its kin reach the
 * open handler.
 */
@SpringBootTest(classes = {WebFluxFirewallApi.class, WebFluxWithoutSpringFirewallTest.NoSpringFirewall.class},
    webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "spring.main.web-application-type=reactive", "server.address=127.0.0.1", "tokengate.audiences=api"})
class WebFluxWithoutSpringFirewallTest extends WebFluxFirewallMatrix {
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

  @Configuration(proxyBeanMethods = false)
  static class NoSpringFirewall {
    @Bean
    ServerWebExchangeFirewall serverWebExchangeFirewall() {
      return ServerWebExchangeFirewall.INSECURE_NOOP;
    }
  }
}
