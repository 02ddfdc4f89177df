package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.spring.security.TokenGateJwtDecoder;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.DelegatingFilterProxyRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Mode 2 of "With Spring Security" (README): Spring Security's own {@code oauth2ResourceServer(jwt)} validates, with
 * tokengate's {@link TokenGateJwtDecoder} as its decoder ({@code tokengate.filter.enabled=false}), on a real Tomcat.
 */
@SpringBootTest(classes = SpringSecurityJwtDecoderModeTest.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1", "tokengate.audiences=api", "tokengate.filter.enabled=false"})
class SpringSecurityJwtDecoderModeTest {
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
  JwtDecoder decoder;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
  }

  @Test
  void theDecoderBean_isTokengates() {
    assertThat(decoder).isInstanceOf(TokenGateJwtDecoder.class);
  }

  @Test
  void repeatedToken_getsTheSameJwt_aRejectedOneABadJwtException() {
    String token = issuer.token().sign();
    org.springframework.security.oauth2.jwt.Jwt first = decoder.decode(token);
    assertThat(decoder.decode(token)).isSameAs(first);
    assertThat(first.getTokenValue()).isEqualTo(token);
    assertThat(first.getExpiresAt()).isNotNull();
    assertThat(decoder.decode(issuer.token().sign())).isNotSameAs(first);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> decoder.decode(issuer.token().audience("other").sign()))
        .isInstanceOf(org.springframework.security.oauth2.jwt.BadJwtException.class)
        .hasMessage("The access token is for another audience");
  }

  @Test
  void validToken_isSpringsJwt_withItsUsualScopeAuthorities() {
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("billing-service").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("billing-service " + issuer.issuer() + " RS256 api");
    assertThat(http.get("/api/authorities", issuer.token().sign()).body())
        .isEqualTo("[FACTOR_BEARER, SCOPE_countries:read, SCOPE_orders:write]");
  }

  @Test
  void hasAuthority_andPreAuthorize_letTheScopeThrough_andRefuseWithout() {
    assertThat(http.get("/api/admin", issuer.token().scope("admin").sign()).statusCode()).isEqualTo(200);
    assertThat(http.get("/api/reports", issuer.token().scope("reports:read").sign()).statusCode()).isEqualTo(200);
    int before = handled.get();
    HttpResponse<String> admin = http.get("/api/admin", issuer.token().scope("orders:write").sign());
    assertThat(admin.statusCode()).isEqualTo(403);
    assertThat(admin.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"admin\"");
    assertThat(admin.body()).isEqualTo("{\"error\":\"insufficient_scope\","
        + "\"error_description\":\"The access token lacks a scope this request requires\"}");
    HttpResponse<String> reports = http.get("/api/reports", issuer.token().scope("orders:write").sign());
    assertThat(reports.statusCode()).isEqualTo(403);
    // An expression does not say which scope it wanted: no scope attribute.
    assertThat(reports.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\"");
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void certificateBoundToken_is401_sinceTheDecoderCannotSeeTheCertificate_cachedOrNot() {
    int before = handled.get();
    String token = issuer.token().claim("cnf", java.util.Map.of("x5t#S256",
        "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0")).sign();
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> response = http.get("/api/me", token);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
          + " error=\"invalid_token\", error_description=\"The access token is certificate-bound, which this API"
          + " cannot check\"");
      assertThat(response.body()).doesNotContain(token);
    }
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void noToken_andForgedToken_are401_andNoHandlerRuns() {
    int before = handled.get();
    HttpResponse<String> none = http.get("/api/me", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");

    HttpResponse<String> forged = http.get("/api/me", issuer.tokenSignedWith(SigningKey.rsa("forger")).kid(issuer.key().kid()).sign());
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(forged.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"api\", error=\"invalid_token\","
            + " error_description=\"The access token signature is invalid\"");
    assertThat(forged.body()).isEqualTo(
        "{\"error\":\"invalid_token\",\"error_description\":\"The access token signature is invalid\"}");
    HttpResponse<String> expired = http.get("/api/me",
        issuer.token().expiresAt(java.time.Instant.now().minusSeconds(600)).sign());
    assertThat(expired.statusCode()).isEqualTo(401);
    assertThat(expired.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token expired\"");
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void newKid_afterRotation_isAccepted() {
    issuer.rotate();
    assertThat(http.get("/api/me", issuer.token().clientId("rotated").sign()).body()).startsWith("rotated ");
  }

  @Test
  void tokengatesFirewall_stillRunsOnEveryPath() {
    int before = handled.get();
    HttpResponse<String> response = http.get("/api/admin/..;/..;/api/me", issuer.token().sign());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_request\"");
    assertThat(handled.get()).isEqualTo(before);
  }

  /** The README's configuration: Spring Security's resource server, with tokengate's decoder bean. */
  @Configuration(proxyBeanMethods = false)
  @EnableWebSecurity
  @EnableMethodSecurity
  static class Security {
    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
      return http
          .authorizeHttpRequests(requests -> requests
              .requestMatchers("/api/admin/**").hasAuthority("SCOPE_admin")
              .anyRequest().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer.jwt(Customizer.withDefaults()))
          .build();
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

    // What Spring Boot's spring-boot-security module does: the chain as a servlet filter at order -100.
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
    String me(@AuthenticationPrincipal Jwt jwt) {
      handled.incrementAndGet();
      return jwt.getClaimAsString("client_id") + " " + jwt.getIssuer() + " " + jwt.getHeaders().get("alg") + " "
          + String.join(",", jwt.getAudience());
    }

    @GetMapping("/api/authorities")
    String authorities(org.springframework.security.core.Authentication authentication) {
      handled.incrementAndGet();
      return authentication.getAuthorities().stream().map(a -> a.getAuthority()).sorted().toList().toString();
    }

    @GetMapping("/api/admin")
    String admin() {
      handled.incrementAndGet();
      return "admin";
    }

    @GetMapping("/api/reports")
    @PreAuthorize("hasAuthority('SCOPE_reports:read')")
    String reports() {
      handled.incrementAndGet();
      return "reports";
    }
  }
}
