package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.PathMatchConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Spring MVC options that change what a request routes to, against {@code tokengate.scope-rules} (which the filter
 * matches case-sensitively on the servlet path, as the servlet spec maps), on embedded Tomcat. Handlers are
 * unannotated: the rules are all that guards them.
 */
@ExtendWith(OutputCaptureExtension.class)
class SpringMvcOptionsTomcatTest {
  private static final TestIssuer issuer = TestIssuer.start();
  private static final ConcurrentMap<String, Integer> calls = new ConcurrentHashMap<>();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @BeforeEach
  void clearCalls() {
    calls.clear();
  }

  /**
   * Attack: with case-insensitive routing ({@code PathPatternParser.setCaseSensitive(false)}), {@code GET
   * /API/admin/report} reaches the {@code /api/admin/report} handler while the rule {@code GET /api/admin/*=admin}
   * does not match it: a token without {@code admin} got 200. Start-up now fails naming the option.
   */
  @Test
  void caseInsensitiveRouting_withScopeRules_failsStartUp(CapturedOutput output) {
    ConfigurableApplicationContext started = null;
    try {
      started = start(CaseInsensitiveApi.class, "--tokengate.scope-rules=GET /api/admin/*=admin");
    } catch (RuntimeException expected) {
      // the outcome this test wants
    }
    if (started != null) {
      try (ConfigurableApplicationContext context = started) {
        RawHttp http = new RawHttp(port(context));
        String token = issuer.token().scope("orders:read").sign();
        fail("started; GET /api/admin/report -> " + http.get("/api/admin/report", token).status()
            + ", GET /API/admin/report -> " + http.get("/API/admin/report", token).status() + ", handler calls "
            + calls);
      }
    }
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
        .contains("Spring MVC matches paths case-insensitively")
        .contains("'tokengate.scope-rules'")
        .doesNotContain("Tomcat started on port");
  }

  @Test
  void caseInsensitiveRouting_withoutRulesOrPublicPaths_starts_andEveryPathNeedsAToken() {
    try (ConfigurableApplicationContext context = start(CaseInsensitiveApi.class)) {
      RawHttp http = new RawHttp(port(context));
      assertThat(http.get("/API/admin/report", null).status()).isEqualTo(401);
      assertThat(http.get("/API/admin/report", issuer.token().sign()).status()).isEqualTo(200);
    }
  }

  /**
   * Boot's {@code HiddenHttpMethodFilter} runs before tokengate, so a {@code POST} with {@code _method=DELETE} is a
   * DELETE to tokengate as to the handler: the DELETE rule holds.
   */
  @Test
  void hiddenHttpMethod_isSeenAsTheMethodItBecomes() {
    try (ConfigurableApplicationContext context = start(CaseSensitiveApi.class,
        "--spring.mvc.hiddenmethod.filter.enabled=true", "--tokengate.scope-rules=DELETE /api/items/*=items:delete")) {
      Http http = new Http(port(context));
      HttpRequest tunnelled = HttpRequest.newBuilder(http.uri("/api/items/1"))
          .header("Authorization", "Bearer " + issuer.token().scope("orders:read").sign())
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("_method=DELETE")).build();
      assertThat(http.send(tunnelled).statusCode()).isEqualTo(403);
      assertThat(calls).isEmpty();
    }
  }

  /** A context path and a DispatcherServlet under /api: hostile URIs are refused, rules see the servlet path. */
  @Test
  void contextPathAndServletPath_hostileUrisAreRefused_rulesHold() {
    try (ConfigurableApplicationContext context = start(CaseSensitiveApi.class, "--server.servlet.context-path=/ctx",
        "--spring.mvc.servlet.path=/mvc", "--tokengate.public-paths=/mvc/public/*",
        "--tokengate.scope-rules=GET /mvc/api/admin/*=admin")) {
      RawHttp http = new RawHttp(port(context));
      String token = issuer.token().scope("orders:read").sign();
      for (String hostile : List.of("/ctx/mvc/api/admin/..;/..;/public/x", "/ctx/mvc/public/..;/api/admin/report",
          "/ctx;x=y/mvc/api/admin/report", "/ctx/mvc;/api/admin/report", "/ctx/%6dvc/api/admin/report",
          "/ctx//mvc/api/admin/report", "/ctx/mvc/api/admin/report/..", "/ctx/./mvc/api/admin/report")) {
        RawHttp.Response response = http.get(hostile, token);
        assertThat(response.status()).as(hostile).isEqualTo(400);
      }
      assertThat(http.get("/ctx/mvc/api/admin/report", token).status()).isEqualTo(403);
      assertThat(http.get("/ctx/mvc/api/admin/report", null).status()).isEqualTo(401);
      assertThat(calls).isEmpty();
      assertThat(http.get("/ctx/mvc/api/admin/report", issuer.token().scope("admin").sign()).status())
          .isEqualTo(200);
    }
  }

  private static ConfigurableApplicationContext start(Class<?> application, String... more) {
    List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--server.address=127.0.0.1",
        "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api"));
    arguments.addAll(List.of(more));
    return new SpringApplication(application).run(arguments.toArray(String[]::new));
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @RestController
  static class Handlers {
    @GetMapping("/api/admin/report")
    String report() {
      calls.merge("report", 1, Integer::sum);
      return "report";
    }

    @DeleteMapping("/api/items/{id}")
    String delete() {
      calls.merge("delete", 1, Integer::sum);
      return "deleted";
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Handlers.class)
  static class CaseSensitiveApi {}

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(Handlers.class)
  static class CaseInsensitiveApi {
    @Bean
    WebMvcConfigurer caseInsensitive() {
      return new WebMvcConfigurer() {
        @Override
        public void configurePathMatch(PathMatchConfigurer configurer) {
          PathPatternParser parser = new PathPatternParser();
          parser.setCaseSensitive(false);
          configurer.setPatternParser(parser);
        }
      };
    }
  }
}
