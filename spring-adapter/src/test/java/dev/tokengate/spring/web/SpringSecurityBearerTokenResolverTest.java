package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.testing.TestIssuer;
import java.util.List;
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
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Mode 2 finds the bearer token with the starter's {@code BearerTokenResolver} bean, which the README's unchanged
 * {@code oauth2ResourceServer(jwt)} picks up: on a real Tomcat, over raw sockets (two {@code Authorization} headers, a
 * tab or two spaces are sent as written), what a caller sees for each shape of {@code Authorization} header.
 */
@SpringBootTest(classes = SpringSecurityBearerTokenResolverTest.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1", "tokengate.audiences=api", "tokengate.filter.enabled=false"})
class SpringSecurityBearerTokenResolverTest {
  static final TestIssuer issuer = TestIssuer.start();

  private static final String MALFORMED = "Bearer realm=\"api\", error=\"invalid_token\","
      + " error_description=\"Bearer token is malformed\"";
  private static final String TWO_HEADERS = "Bearer realm=\"api\", error=\"invalid_request\","
      + " error_description=\"The request has more than one Authorization header\"";

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

  private RawHttp raw;

  @BeforeEach
  void client() {
    raw = new RawHttp(port);
  }

  @Test
  void theResolverBean_isTheStartersOnlyOne() {
    assertThat(context.getBeansOfType(BearerTokenResolver.class)).hasSize(1);
    assertThat(context.getBean(BearerTokenResolver.class).getClass().getName())
        .isEqualTo("dev.tokengate.spring.security.TokenGateBearerTokenResolver");
  }

  @Test
  void validToken_is200_withTheCallerAsPrincipal_schemeInAnyCase() {
    String token = issuer.token().clientId("billing-service").subject("billing-service").sign();
    RawHttp.Response response = new RawHttp(port).get("/api/me", token);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("billing-service billing-service");
    for (String scheme : List.of("bearer", "BEARER", "bEaReR")) {
      RawHttp.Response anyCase = raw.getWithHeaders("/api/me", "Authorization: " + scheme + " " + token);
      assertThat(anyCase.status()).as(scheme).isEqualTo(200);
      assertThat(anyCase.body()).isEqualTo("billing-service billing-service");
    }
  }

  /** Spring's own resolver reads the first header alone: each of these would reach the handler with it. */
  @Test
  void twoAuthorizationHeaders_are400InvalidRequest_andNoHandlerRuns() {
    String token = issuer.token().sign();
    String other = issuer.token().clientId("other-service").sign();
    int before = handled.get();
    for (List<String> headers : List.of(
        List.of("Authorization: Bearer " + token, "Authorization: Bearer " + token),
        List.of("Authorization: Bearer " + token, "Authorization: Bearer " + other),
        List.of("Authorization: Bearer " + token, "Authorization: garbage"),
        List.of("Authorization: Bearer " + token, "authorization: Basic dXNlcjpwYXNz"),
        List.of("Authorization: Basic dXNlcjpwYXNz", "AUTHORIZATION: Bearer " + token))) {
      RawHttp.Response response = raw.getWithHeaders("/api/me", headers.toArray(String[]::new));
      assertThat(response.status()).as("%s", headers).isEqualTo(400);
      assertThat(response.header("WWW-Authenticate")).hasValue(TWO_HEADERS);
      assertThat(response.body()).isEqualTo("{\"error\":\"invalid_request\","
          + "\"error_description\":\"The request has more than one Authorization header\"}");
    }
    assertThat(handled.get()).isEqualTo(before);
  }

  @Test
  void bearerHeaderOfAnotherShape_is401InvalidToken_andNoHandlerRuns() {
    String token = issuer.token().sign();
    int before = handled.get();
    for (String header : List.of("Bearer  " + token, "Bearer\t" + token, "Bearer " + token + " x",
        "Bearer " + token + "\tx", "Bearer abc,def", "Bearer " + token.replace('.', ','), "Bearer",
        "Bearertoken", "Bearer" + token, "Bearer " + token + "\u00e9", "Bearer =" + token)) {
      RawHttp.Response response = raw.getWithHeaders("/api/me", "Authorization: " + header);
      assertThat(response.status()).as(header).isEqualTo(401);
      assertThat(response.header("WWW-Authenticate")).as(header).hasValue(MALFORMED);
      assertThat(response.body()).doesNotContain(token);
    }
    assertThat(handled.get()).isEqualTo(before);
  }

  /**
   * A space or tab after the value is no part of it (RFC 9110 §5.5): Tomcat strips it before any resolver sees the
   * header, so such a token is accepted; the resolver refuses the characters inside (unit test).
   */
  @Test
  void whitespaceAfterTheValue_isStrippedByTheServer_beforeTheResolver() {
    String token = issuer.token().clientId("billing-service").subject("billing-service").sign();
    for (String header : List.of("Bearer " + token + " ", "Bearer " + token + "\t", "Bearer " + token + " \t ")) {
      RawHttp.Response response = raw.getWithHeaders("/api/me", "Authorization: " + header);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("billing-service billing-service");
    }
  }

  @Test
  void anotherScheme_is401AsWithoutToken_withTheBareChallenge() {
    int before = handled.get();
    RawHttp.Response none = raw.getWithHeaders("/api/me");
    assertThat(none.status()).isEqualTo(401);
    // Spring Security's challenge for a request without a token: no error code (RFC 6750 §3.1).
    assertThat(none.header("WWW-Authenticate").orElseThrow()).startsWith("Bearer").doesNotContain("error");
    for (String header : List.of("Basic dXNlcjpwYXNz", "DPoP " + issuer.token().sign(), "")) {
      RawHttp.Response response = raw.getWithHeaders("/api/me", "Authorization: " + header);
      assertThat(response.status()).as(header).isEqualTo(401);
      assertThat(response.header("WWW-Authenticate")).as(header).isEqualTo(none.header("WWW-Authenticate"));
    }
    assertThat(handled.get()).isEqualTo(before);
  }

  /** {@code =} padding is b64token syntax: the resolver hands the token on, and the decoder judges it. */
  @Test
  void paddedToken_passesTheResolver_andTheDecoderRefusesIt() {
    int before = handled.get();
    RawHttp.Response response = raw.getWithHeaders("/api/me", "Authorization: Bearer " + issuer.token().sign() + "==");
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\", error=\"invalid_token\","
        + " error_description=\"The access token is malformed\"");
    assertThat(handled.get()).isEqualTo(before);
  }

  /** A resolver set in the DSL wins over the bean: this chain's is Spring's own, which reads the first header alone. */
  @Test
  void aResolverSetInTheDsl_winsOverTheBean() {
    String token = issuer.token().clientId("billing-service").subject("billing-service").sign();
    RawHttp.Response response = raw.getWithHeaders("/dsl/me", "Authorization: Bearer " + token,
        "Authorization: garbage");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("billing-service billing-service");
    assertThat(raw.getWithHeaders("/api/me", "Authorization: Bearer " + token, "Authorization: garbage").status())
        .isEqualTo(400);
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebSecurity
  static class Security {
    @Bean
    @Order(1)
    SecurityFilterChain ownResolver(HttpSecurity http) throws Exception {
      return http
          .securityMatcher("/dsl/**")
          .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
          .oauth2ResourceServer(resourceServer -> resourceServer
              .bearerTokenResolver(new DefaultBearerTokenResolver())
              .jwt(Customizer.withDefaults()))
          .build();
    }

    /** The README's mode 2, unchanged. */
    @Bean
    @Order(2)
    SecurityFilterChain api(HttpSecurity http) throws Exception {
      return http
          .authorizeHttpRequests(requests -> requests.anyRequest().authenticated())
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

    @GetMapping({"/api/me", "/dsl/me"})
    String me(Authentication authentication) {
      handled.incrementAndGet();
      return authentication.getName() + " " + ((Jwt) authentication.getPrincipal()).getClaimAsString("client_id");
    }
  }
}
