package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.spi.ValidationListener;
import dev.tokengate.spring.security.ClientAuthentication;
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
import org.springframework.http.HttpMethod;
import org.springframework.security.access.annotation.Secured;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableMethodSecurity;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Mode 1 of "With Spring Security" (README): tokengate's filter validates the token and publishes the caller to
 * Spring Security, whose own rules ({@code authenticated()}, {@code hasAuthority}, {@code @PreAuthorize}, {@code
 * @Secured}) then decide, on a real Tomcat with a real Spring Security filter chain. {@link Security} is the README's
 * configuration as printed.
 */
@SpringBootTest(classes = SpringSecurityFilterModeTest.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"server.address=127.0.0.1", "tokengate.audiences=api", "tokengate.public-paths=/public/*"})
class SpringSecurityFilterModeTest {
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
  Counters counters;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
    issuer.heal();
  }

  @Test
  void acceptedCaller_isTheAuthentication_withScopeAuthorities_principalAndIssuer_validatedOnce() {
    int accepted = counters.accepted.get();
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("billing-service").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("billing-service ClientAuthentication"
        + " [SCOPE_countries:read, SCOPE_orders:write, FACTOR_BEARER] " + issuer.issuer() + " credentials=null");
    assertThat(counters.accepted.get() - accepted).isEqualTo(1);
    // Stateless: nothing kept in a session.
    assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void theAuthentication_doesNotOutliveItsRequest() {
    http.get("/api/me", issuer.token().clientId("billing-service").sign());
    HttpResponse<String> next = http.get("/public/whoami", null);
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(next.body()).isEqualTo("anonymousUser");
  }

  @Test
  void hasAuthority_onAUrl_letsTheScopeThrough_andAnswersAMissingScopeAsRfc6750WithTheScope() {
    assertThat(http.get("/api/admin", issuer.token().scope("admin").sign()).body()).isEqualTo("admin");

    int handled = counters.handled.get();
    HttpResponse<String> denied = http.get("/api/admin", issuer.token().scope("orders:write").sign());
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"admin\"");
    assertThat(denied.body()).isEqualTo("{\"error\":\"insufficient_scope\","
        + "\"error_description\":\"The access token lacks a scope this request requires\"}");
    assertThat(counters.handled.get()).isEqualTo(handled);
  }

  @Test
  void post_withABearerToken_needsNoCsrfToken() {
    HttpResponse<String> response = http.send("POST", "/api/orders", issuer.token().scope("orders:write").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("order created");
  }

  @Test
  void preAuthorize_letsTheScopeThrough_andRefusesWithout_asRfc6750() {
    assertThat(http.get("/api/reports", issuer.token().scope("reports:read").sign()).body()).isEqualTo("reports");

    int handled = counters.handled.get();
    HttpResponse<String> denied = http.get("/api/reports", issuer.token().scope("orders:write").sign());
    assertThat(denied.statusCode()).isEqualTo(403);
    // An expression does not say which scope it wanted: no scope attribute.
    assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\"");
    assertThat(counters.handled.get()).isEqualTo(handled);
  }

  @Test
  void secured_letsTheScopeThrough_andRefusesWithTheScope() {
    assertThat(http.get("/api/audit", issuer.token().scope("audit").sign()).body()).isEqualTo("audit");

    int handled = counters.handled.get();
    HttpResponse<String> denied = http.get("/api/audit", issuer.token().scope("orders:write").sign());
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer realm=\"api\", error=\"insufficient_scope\"").endsWith(", scope=\"audit\"");
    assertThat(counters.handled.get()).isEqualTo(handled);
  }

  @Test
  void noToken_forgedToken_areTokengates401_andNoHandlerRuns() {
    int handled = counters.handled.get();
    HttpResponse<String> none = http.get("/api/me", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");

    HttpResponse<String> forged = http.get("/api/me", issuer.tokenSignedWith(SigningKey.rsa("forger")).kid(issuer.key().kid()).sign());
    assertThat(forged.statusCode()).isEqualTo(401);
    assertThat(forged.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer realm=\"api\", error=\"invalid_token\"");
    assertThat(counters.handled.get()).isEqualTo(handled);
  }

  @Test
  void publicPath_isAnonymousToSpringSecurity_whichThenRefusesWhatNeedsAuthentication() {
    int handled = counters.handled.get();
    HttpResponse<String> response = http.get("/public/private", null);
    assertThat(response.statusCode()).isIn(401, 403);
    assertThat(counters.handled.get()).isEqualTo(handled);
  }

  @Test
  void newKid_afterRotation_isAccepted() {
    issuer.rotate();
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("rotated").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).startsWith("rotated ClientAuthentication");
  }

  @Test
  void firewall_stillRefusesPathTricks_beforeSpringSecurity() {
    int handled = counters.handled.get();
    HttpResponse<String> response =
        http.get("/api/admin/..;/..;/public/whoami", issuer.token().scope("orders:write").sign());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("\"error\":\"invalid_request\"");
    assertThat(counters.handled.get()).isEqualTo(handled);
  }

  /** The README's configuration: Spring Security's rules on the caller tokengate accepted. */
  @Configuration(proxyBeanMethods = false)
  @EnableWebSecurity
  @EnableMethodSecurity(securedEnabled = true)
  static class Security {
    @Bean
    SecurityFilterChain api(HttpSecurity http) throws Exception {
      return http
          .authorizeHttpRequests(requests -> requests
              .requestMatchers("/public/whoami").permitAll()
              .requestMatchers("/api/admin/**").hasAuthority("SCOPE_admin")
              .requestMatchers(HttpMethod.POST, "/api/orders/**").hasAuthority("SCOPE_orders:write")
              .anyRequest().authenticated())
          .build();
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({Security.class, Api.class})
  static class App {
    @Bean
    Counters counters() {
      return new Counters();
    }

    @Bean
    ValidationListener countingListener(Counters counters) {
      return new ValidationListener() {
        @Override
        public void onAccepted(ClientPrincipal principal) {
          counters.accepted.incrementAndGet();
        }
      };
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

  static final class Counters {
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger handled = new AtomicInteger();
  }

  @RestController
  static class Api {
    private final Counters counters;

    Api(Counters counters) {
      this.counters = counters;
    }

    @GetMapping("/api/me")
    String me(@AuthenticationPrincipal ClientPrincipal caller) {
      counters.handled.incrementAndGet();
      Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
      ClientAuthentication client = (ClientAuthentication) authentication;
      return caller.clientId() + " " + authentication.getClass().getSimpleName() + " "
          + authentication.getAuthorities().stream().map(a -> a.getAuthority()).toList() + " " + client.issuer() + " credentials=" + client.getCredentials();
    }

    @GetMapping("/api/admin")
    String admin() {
      counters.handled.incrementAndGet();
      return "admin";
    }

    @PostMapping("/api/orders")
    String order() {
      counters.handled.incrementAndGet();
      return "order created";
    }

    @GetMapping("/api/reports")
    @PreAuthorize("hasAuthority('SCOPE_reports:read')")
    String reports() {
      counters.handled.incrementAndGet();
      return "reports";
    }

    @GetMapping("/api/audit")
    @Secured("SCOPE_audit")
    String audit() {
      counters.handled.incrementAndGet();
      return "audit";
    }

    @GetMapping("/public/whoami")
    String whoami() {
      counters.handled.incrementAndGet();
      Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
      return authentication == null ? "none" : authentication.getName();
    }

    @GetMapping("/public/private")
    String publicButAuthenticated() {
      counters.handled.incrementAndGet();
      return "should not be reached";
    }
  }
}
