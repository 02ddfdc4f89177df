package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.TestIssuer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.DelegatingFilterProxyRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Mode 2 with a {@link BearerTokenResolver} bean of the application's own (here one reading {@code X-Api-Token}): the
 * starter's backs off, and {@code oauth2ResourceServer()} uses the application's, on a real Tomcat.
 */
@SpringBootTest(classes = OwnBearerTokenResolverTest.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1", "tokengate.audiences=api", "tokengate.filter.enabled=false"})
class OwnBearerTokenResolverTest {
  static final TestIssuer issuer = TestIssuer.start();

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
  ApplicationContext context;

  @Test
  void theApplicationsResolver_isTheOnlyOne() {
    assertThat(context.getBeansOfType(BearerTokenResolver.class)).containsOnlyKeys("apiTokenHeader");
  }

  @Test
  void theApplicationsResolver_isTheOneSpringSecurityUses() {
    RawHttp raw = new RawHttp(port);
    String token = issuer.token().clientId("billing-service").subject("billing-service").sign();
    RawHttp.Response ownHeader = raw.getWithHeaders("/api/me", "X-Api-Token: Bearer " + token);
    assertThat(ownHeader.status()).isEqualTo(200);
    assertThat(ownHeader.body()).isEqualTo("billing-service");

    int before = handled.get();
    RawHttp.Response authorization = raw.getWithHeaders("/api/me", "Authorization: Bearer " + token);
    assertThat(authorization.status()).isEqualTo(401);
    assertThat(authorization.header("WWW-Authenticate").orElseThrow()).startsWith("Bearer").doesNotContain("error");
    assertThat(handled.get()).isEqualTo(before);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebSecurity
  static class Security {
    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
      return http
          .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()))
          .build();
    }

    @Bean
    BearerTokenResolver apiTokenHeader() {
      DefaultBearerTokenResolver resolver = new DefaultBearerTokenResolver();
      resolver.setBearerTokenHeaderName("X-Api-Token");
      return resolver;
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({Security.class, Api.class})
  static class App {
    @Bean
    AtomicInteger handled() {
      return new AtomicInteger();
    }

    @Bean
    DelegatingFilterProxyRegistrationBean securityFilterChainRegistration() {
      DelegatingFilterProxyRegistrationBean registration =
          new DelegatingFilterProxyRegistrationBean("springSecurityFilterChain");
      registration.setOrder(-100);
      return registration;
    }
  }

  @RestController
  static class Api {
    private final AtomicInteger handled;

    Api(AtomicInteger handled) {
      this.handled = handled;
    }

    @GetMapping("/api/me")
    String me(Authentication authentication) {
      handled.incrementAndGet();
      return authentication.getName();
    }
  }
}
