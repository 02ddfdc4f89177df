package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tokengate.RequestFirewallFilter;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.Filter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Mistakes tried in review that already fail closed: each is a real start on embedded Tomcat that must not serve an
 * unannotated handler ({@code GET /api/orders}) without a token.
 */
@ExtendWith(OutputCaptureExtension.class)
class ReviewStartupCasesTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  // Boot binds a list index by index and fails on the entries after a gap, so a rule is never dropped silently.
  @Test
  void aGapInTheScopeRulesList_failsStartUp(CapturedOutput output) {
    assertDoesNotServeOpenly(output, List.of(), "--tokengate.issuer=" + issuer.issuer(),
        "--tokengate.audiences=api", "--tokengate.scope-rules[1]=GET /api/orders=admin");
    assertThat(output.getAll()).contains("tokengate.scope-rules[1]").doesNotContain("not switched on");
  }

  @Test
  void aBlankIssuer_failsStartUp(CapturedOutput output) {
    assertDoesNotServeOpenly(output, List.of(), "--tokengate.issuer=", "--tokengate.audiences=api");
    assertThat(output.getAll()).contains("'tokengate.issuer'");
  }

  @Test
  void aMisspeltPropertyInSpringApplicationJson_failsStartUp(CapturedOutput output) {
    assertDoesNotServeOpenly(output, List.of(),
        "--spring.application.json={\"tokengate\":{\"isuer\":\"" + issuer.issuer() + "\",\"audiences\":\"api\"}}");
    assertThat(output.getAll()).contains("did you mean 'tokengate.issuer'?");
  }

  // Bean overriding is off in Spring Boot: the user's bean and the starter's cannot silently replace each other.
  @Test
  void anOwnBeanNamedLikeTheStartersRegistration_failsStartUp(CapturedOutput output) {
    assertDoesNotServeOpenly(output, List.of(SameName.class), "--tokengate.issuer=" + issuer.issuer(),
        "--tokengate.audiences=api");
    assertThat(output.getAll()).contains("tokenGateFilterRegistration");
  }

  @Test
  void anUnrelatedFilterRegistration_doesNotMakeTheStarterBackOff(CapturedOutput output) {
    try (ConfigurableApplicationContext context = start(List.of(OtherFilter.class),
        "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api")) {
      assertThat(new RawHttp(port(context)).get("/api/orders", null).status()).isEqualTo(401);
    }
  }

  private static void assertDoesNotServeOpenly(CapturedOutput output, List<Class<?>> beans, String... arguments) {
    ConfigurableApplicationContext started = null;
    try {
      started = start(beans, arguments);
    } catch (RuntimeException expected) {
      // the outcome wanted
    }
    if (started != null) {
      try (ConfigurableApplicationContext context = started) {
        fail("started; GET /api/orders without a token answered "
            + new RawHttp(port(context)).get("/api/orders", null).status());
      }
    }
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START").doesNotContain("Tomcat started on port");
  }

  private static ConfigurableApplicationContext start(List<Class<?>> beans, String... arguments) {
    List<String> all = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1"));
    all.addAll(List.of(arguments));
    List<Class<?>> sources = new ArrayList<>(List.of(TestApi.class));
    sources.addAll(beans);
    return new SpringApplication(sources.toArray(Class<?>[]::new)).run(all.toArray(String[]::new));
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @Configuration(proxyBeanMethods = false)
  static class SameName {
    @Bean
    FilterRegistrationBean<Filter> tokenGateFilterRegistration() {
      return new FilterRegistrationBean<>((request, response, chain) -> chain.doFilter(request, response));
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OtherFilter {
    @Bean
    FilterRegistrationBean<RequestFirewallFilter> ownFirewall() {
      FilterRegistrationBean<RequestFirewallFilter> registration =
          new FilterRegistrationBean<>(new RequestFirewallFilter());
      registration.setUrlPatterns(List.of("/*"));
      return registration;
    }
  }
}
