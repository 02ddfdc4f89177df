package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tokengate.testing.TestIssuer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Attack: a Spring user writes {@code tokengate.filter.url-patterns} as a Spring MVC path pattern ({@code /api/**},
 * {@code /api*}) or with a stray blank. The servlet container reads each as one exact path (Tomcat only logs "suspicious
 * url pattern" at INFO), so the filter ran on no real request, while its request firewall on {@code /*} satisfied the
 * filter's own "mapped to less than /*" check: the application started, and an unannotated {@code GET /api/orders}
 * answered 200 without a token. Now start-up fails naming the property and the servlet spelling.
 */
@ExtendWith(OutputCaptureExtension.class)
class UrlPatternTypoTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/**", "/api*", "/api/*/orders", "/api/* ", "/**", "/", "/api/*.json"})
  void aPatternTheContainerReadsAsOneExactPath_failsStartUp(String pattern, CapturedOutput output) {
    List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
        "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api"));
    // Indexed, so that the value reaches the binder untrimmed, as from a YAML list with a quoted entry.
    arguments.add("--tokengate.filter.url-patterns[0]=" + pattern);
    SpringApplication application = new SpringApplication(TestApi.class);
    ConfigurableApplicationContext started = null;
    try {
      started = application.run(arguments.toArray(String[]::new));
    } catch (RuntimeException expected) {
      // the outcome this test wants
    }
    if (started != null) {
      try (ConfigurableApplicationContext context = started) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        fail("started with url-patterns [" + pattern + "]; GET /api/orders without a token answered "
            + new RawHttp(port).get("/api/orders", null).status());
      }
    }
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
        .contains("Property 'tokengate.filter.url-patterns' entry '" + pattern + "' is not a servlet url-pattern")
        .doesNotContain("Tomcat started on port");
  }
}
