package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import dev.tokengate.spring.web.RawHttp;
import dev.tokengate.testing.TestIssuer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Attack (user mistake): the application's own {@code FilterRegistrationBean<TokenGateFilter>} is switched off with
 * {@code setEnabled(false)}, the usual way to run a filter only inside a Spring Security chain, but the filter is put
 * in no chain. The starter steps aside for the application's registration, so every request reached its handler
 * without a token (seen: 200). Start-up now fails; an enabled registration of the application's own still starts.
 */
class DisabledRegistrationTest {
  private static final TestIssuer issuer = TestIssuer.start();
  static final AtomicInteger handled = new AtomicInteger();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @BeforeEach
  void reset() {
    handled.set(0);
  }

  @Test
  void everyRegistrationDisabled_andTheFilterInNoChain_failsStartup() {
    Throwable failure = catchThrowable(() -> run(DisabledOnly.class).close());
    FailureAnalysis analysis = new TokenGateFailureAnalyzer().analyze(failure);
    assertThat(analysis.getDescription()).contains("Every TokenGateFilter registration [ownTokenGateRegistration] is"
        + " disabled (setEnabled(false)) and no Spring Security filter chain holds a TokenGateFilter, so no request"
        + " would have its token checked");
    assertThat(analysis.getAction()).startsWith("Enable the registration, or remove it and let the starter register"
        + " the filter");
    assertThat(handled).hasValue(0);
  }

  @Test
  void ownEnabledRegistration_startsAndIsGuarded() {
    try (ConfigurableApplicationContext context = run(Enabled.class)) {
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      RawHttp.Response refused = new RawHttp(port).get("/hello", null);
      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
      assertThat(handled).hasValue(0);
      assertThat(new RawHttp(port).get("/hello", issuer.token().sign()).status()).isEqualTo(200);
      assertThat(handled).hasValue(1);
    }
  }

  private static ConfigurableApplicationContext run(Class<?> application) {
    return new SpringApplication(application).run("--server.port=0", "--server.address=127.0.0.1",
        "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api");
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Hello.class)
  static class DisabledOnly {
    @Bean
    FilterRegistrationBean<TokenGateFilter> ownTokenGateRegistration(TokenValidator validator) {
      FilterRegistrationBean<TokenGateFilter> registration = new FilterRegistrationBean<>(new TokenGateFilter(validator));
      registration.setEnabled(false);
      return registration;
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Hello.class)
  static class Enabled {
    @Bean
    FilterRegistrationBean<TokenGateFilter> ownTokenGateRegistration(TokenValidator validator) {
      return new FilterRegistrationBean<>(new TokenGateFilter(validator));
    }
  }

  @RestController
  static class Hello {
    @GetMapping("/hello")
    String hello() {
      handled.incrementAndGet();
      return "hello";
    }
  }
}
