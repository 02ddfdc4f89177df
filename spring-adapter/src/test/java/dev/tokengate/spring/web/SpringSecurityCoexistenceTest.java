package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.spi.ValidationListener;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.DelegatingFilterProxyRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * tokengate next to Spring Security: tokengate's filter (order -110) runs before Spring Security's chain (-100, where
 * Spring Boot registers it), so a request Spring Security sees has already been decided by tokengate, and a token is
 * validated once, by tokengate. Spring Security here guards other things (HTTP Basic for everything outside /api).
 */
@SpringBootTest(classes = {TestApi.class, SpringSecurityCoexistenceTest.Security.class},
    webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
        "server.address=127.0.0.1",
        "tokengate.audiences=api",
        "tokengate.filter.url-patterns=/api/*",
    })
class SpringSecurityCoexistenceTest {
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
  AtomicInteger acceptedTokens;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
  }

  @Test
  void validToken_isValidatedOnceByTokengate_thenSeenBySpringSecurity() {
    int before = acceptedTokens.get();
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("billing-service").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("billing-service [countries:read, orders:write]");
    assertThat(response.headers().firstValue("X-Seen-By-Spring-Security")).hasValue("billing-service");
    assertThat(acceptedTokens.get() - before).isEqualTo(1);
  }

  @Test
  void badToken_isAnsweredByTokengate_andNeverReachesSpringSecurity() {
    HttpResponse<String> response = http.get("/api/me", issuer.token().audience("billing").sign());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"invalid_token\", error_description=\"The access token is for another audience\"");
    assertThat(response.headers().firstValue("X-Seen-By-Spring-Security")).isEmpty();
  }

  @Test
  void requiredScope_isStillEnforcedBehindSpringSecurity() {
    HttpResponse<String> response = http.get("/api/countries", issuer.token().scope("orders:write").sign());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
        .contains("error=\"insufficient_scope\"");
  }

  @Test
  void pathsOutsideTokengate_areLeftToSpringSecurity() {
    HttpResponse<String> response = http.get("/public/ping", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic");
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebSecurity
  static class Security {
    @Bean
    SecurityFilterChain apiChain(HttpSecurity http) throws Exception {
      return http
          .authorizeHttpRequests(requests -> requests.requestMatchers("/api/**").permitAll().anyRequest().authenticated())
          .httpBasic(Customizer.withDefaults())
          .csrf(csrf -> csrf.ignoringRequestMatchers("/api/**"))
          .addFilterBefore(new SeenBySpringSecurity(), AuthorizationFilter.class)
          .build();
    }

    // What Spring Boot's SecurityFilterAutoConfiguration does: the chain as a servlet filter at order -100.
    @Bean
    DelegatingFilterProxyRegistrationBean securityFilterChainRegistration() {
      DelegatingFilterProxyRegistrationBean registration =
          new DelegatingFilterProxyRegistrationBean("springSecurityFilterChain");
      registration.setOrder(-100);
      return registration;
    }

    @Bean
    AtomicInteger acceptedTokens() {
      return new AtomicInteger();
    }

    @Bean
    ValidationListener countingListener(AtomicInteger acceptedTokens) {
      return new ValidationListener() {
        @Override
        public void onAccepted(ClientPrincipal principal) {
          acceptedTokens.incrementAndGet();
        }
      };
    }
  }

  /** Marks the response with the caller tokengate validated, as Spring Security's chain sees it. */
  static final class SeenBySpringSecurity extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      TokenGateFilter.principal(request)
          .ifPresent(caller -> response.setHeader("X-Seen-By-Spring-Security", caller.clientId()));
      chain.doFilter(request, response);
    }
  }
}
