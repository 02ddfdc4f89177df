package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.testing.TestIssuer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Attack: the application brings its own {@code TokenGateFilter} {@code @Bean}, built from a config in code (README's
 * "or in code"), which Spring Boot maps to {@code /*} on its own. No {@code TokenValidator} bean exists, so the
 * management-context configuration (conditional on one) stayed off: the application port answered 401, while {@code
 * /actuator/env} on {@code management.server.port} answered 200 to anyone.
 */
class OwnFilterBeanManagementPortTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @Test
  void ownFilterBean_protectsTheManagementPortToo() {
    try (ConfigurableApplicationContext context = new SpringApplication(OwnFilterApi.class).run(
        "--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
        "--management.server.address=127.0.0.1", "--management.endpoints.web.exposure.include=env,beans",
        "--test.issuer=" + issuer.issuer())) {
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      int managementPort = Integer.parseInt(context.getEnvironment().getProperty("local.management.port"));
      assertThat(managementPort).isNotEqualTo(port);
      assertThat(new RawHttp(port).get("/hello", null).status()).isEqualTo(401);

      RawHttp.Response env = new RawHttp(managementPort).get("/actuator/env", null);
      assertThat(env.status()).isEqualTo(401);
      assertThat(env.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
      assertThat(env.body()).doesNotContain("propertySources");
      assertThat(new RawHttp(managementPort).get("/actuator/env", issuer.token().sign()).status()).isEqualTo(200);
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Hello.class)
  static class OwnFilterApi {
    @Bean
    TokenGateFilter ownTokenGateFilter(org.springframework.core.env.Environment environment) {
      return new TokenGateFilter(TokenGateConfig.builder().issuer(environment.getProperty("test.issuer"))
          .audiences("api").build());
    }
  }

  @RestController
  static class Hello {
    @GetMapping("/hello")
    String hello() {
      return "hello";
    }
  }
}
