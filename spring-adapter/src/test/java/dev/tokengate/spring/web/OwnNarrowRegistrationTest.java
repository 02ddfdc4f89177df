package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.RequestFirewallFilter;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import dev.tokengate.testing.TestIssuer;
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
 * An application that registers tokengate itself, on {@code /api/*} only, on embedded Tomcat. The starter backs off
 * from its own registration (and so from its firewall on {@code /*}), so the filter's start-up check is what stands
 * between {@code /api/files/..;/..;/anything} (servlet path {@code /anything}) and the files handler.
 */
@ExtendWith(OutputCaptureExtension.class)
class OwnNarrowRegistrationTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @Test
  void ownNarrowRegistration_withoutTheFirewall_failsStartUp_namingTheMappingAndTheFixes(CapturedOutput output) {
    assertThatThrownBy(() -> start(NarrowRegistration.class)).isNotNull();
    assertThat(output.getAll()).contains("tokengate filter 'tokengate' is misconfigured: it is mapped to"
            + " url-patterns [/api/*] and servlet-names [], not to /*, and no dev.tokengate.RequestFirewallFilter is"
            + " mapped to /*.")
        .contains("Either map tokengate to /* and list the paths that need no token in 'public-paths', or also map"
            + " dev.tokengate.RequestFirewallFilter to /* (before other filters)")
        .doesNotContain("Tomcat started on port");
  }

  @Test
  void ownNarrowRegistration_withAFirewallRegistrationOnEveryPath_refusesWhatWouldPassAroundIt() {
    try (ConfigurableApplicationContext context = start(NarrowRegistration.class, FirewallRegistration.class)) {
      int port = ((WebServerApplicationContext) context).getWebServer().getPort();
      PathConfusionApi.HandlerCalls calls = context.getBean(PathConfusionApi.HandlerCalls.class);
      RawHttp http = new RawHttp(port);

      RawHttp.Response hostile = http.get("/api/files/..;/..;/anything", null);
      assertThat(calls.snapshot()).isEmpty();
      assertThat(hostile.status()).isEqualTo(400);
      assertThat(hostile.body()).isEqualTo("{\"error\":\"invalid_request\",\"error_description\":\"The request path"
          + " contains a path parameter (;)\"}");
      assertThat(http.get("/api/files/x", null).status()).isEqualTo(401);
      assertThat(http.get("/api/files/x", issuer.token().sign()).status()).isEqualTo(200);
      assertThat(calls.snapshot()).containsEntry("files", 1);
    }
  }

  private static ConfigurableApplicationContext start(Class<?>... configurations) {
    List<Class<?>> sources = new ArrayList<>(List.of(PathConfusionApi.class));
    sources.addAll(List.of(configurations));
    return new SpringApplication(sources.toArray(Class<?>[]::new)).run("--server.port=0",
        "--server.address=127.0.0.1", "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api");
  }

  @Configuration(proxyBeanMethods = false)
  static class NarrowRegistration {
    @Bean
    FilterRegistrationBean<TokenGateFilter> ownTokengate(TokenValidator validator) {
      FilterRegistrationBean<TokenGateFilter> registration = new FilterRegistrationBean<>(new TokenGateFilter(validator));
      registration.setName("tokengate");
      registration.setUrlPatterns(List.of("/api/*"));
      return registration;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class FirewallRegistration {
    @Bean
    FilterRegistrationBean<RequestFirewallFilter> ownFirewall() {
      FilterRegistrationBean<RequestFirewallFilter> registration =
          new FilterRegistrationBean<>(new RequestFirewallFilter());
      registration.setName("tokengate-firewall");
      registration.setUrlPatterns(List.of("/*"));
      return registration;
    }
  }
}
