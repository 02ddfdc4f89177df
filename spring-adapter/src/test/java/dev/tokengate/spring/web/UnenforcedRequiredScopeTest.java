package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.tokengate.RequiredScope;
import dev.tokengate.testing.TestIssuer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.springframework.beans.factory.ObjectProvider;
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
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Attack: {@code @RequiredScope} where the starter's interceptor never looks. It sees Spring MVC's {@code
 * HandlerMethod}s only, so an annotated functional endpoint ({@code RouterFunction} handler) or a method of a plain
 * bean answered any valid token, scopes or not: {@code GET /fn/admin} with a token lacking {@code admin} was 200.
 * Such an annotation guards nothing, so start-up now fails naming it, as it does when tokengate is off.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnenforcedRequiredScopeTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @Test
  void requiredScopeOnAFunctionalEndpointHandler_failsStartUp(CapturedOutput output) {
    assertStartUpFails(FunctionalApi.class, "/fn/admin", output,
        "@RequiredScope is on [dev.tokengate.spring.web.UnenforcedRequiredScopeTest$AdminHandler.admin()], which"
            + " tokengate does not enforce");
  }

  @Test
  void requiredScopeOnAServiceMethod_failsStartUp(CapturedOutput output) {
    assertStartUpFails(ServiceApi.class, "/svc/admin", output,
        "@RequiredScope is on [dev.tokengate.spring.web.UnenforcedRequiredScopeTest$AdminService.secrets()], which"
            + " tokengate does not enforce");
  }

  @Test
  void requiredScopeOnControllers_stillStarts_andIsEnforced() {
    try (ConfigurableApplicationContext context = run(ServiceApi.class, false)) {
      RawHttp http = new RawHttp(((WebServerApplicationContext) context).getWebServer().getPort());
      assertThat(http.get("/svc/scoped", issuer.token().scope("orders:read").sign()).status()).isEqualTo(403);
      assertThat(http.get("/svc/scoped", issuer.token().scope("admin").sign()).status()).isEqualTo(200);
    }
  }

  private static void assertStartUpFails(Class<?> application, String path, CapturedOutput output,
      String description) {
    ConfigurableApplicationContext started = null;
    try {
      started = run(application, true);
    } catch (RuntimeException expected) {
      // the outcome this test wants
    }
    if (started != null) {
      try (ConfigurableApplicationContext context = started) {
        int port = ((WebServerApplicationContext) context).getWebServer().getPort();
        fail("started; GET " + path + " with a token lacking 'admin' answered "
            + new RawHttp(port).get(path, issuer.token().scope("orders:read").sign()).status());
      }
    }
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START").contains(description)
        .doesNotContain("Tomcat started on port");
  }

  private static ConfigurableApplicationContext run(Class<?> application, boolean withUnenforced) {
    List<String> arguments = List.of("--server.port=0", "--server.address=127.0.0.1",
        "--tokengate.issuer=" + issuer.issuer(), "--tokengate.audiences=api",
        "--test.unenforced=" + withUnenforced);
    return new SpringApplication(application).run(arguments.toArray(String[]::new));
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(AdminHandler.class)
  static class FunctionalApi {
    @Bean
    RouterFunction<ServerResponse> adminRoutes(AdminHandler handler) {
      return RouterFunctions.route().GET("/fn/admin", handler::admin).build();
    }
  }

  @Component
  static class AdminHandler {
    @RequiredScope("admin")
    ServerResponse admin(ServerRequest request) {
      return ServerResponse.ok().body("admin data");
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import({ServiceController.class, AdminService.class})
  static class ServiceApi {}

  @RestController
  static class ServiceController {
    private final ObjectProvider<AdminService> service;

    ServiceController(ObjectProvider<AdminService> service) {
      this.service = service;
    }

    @GetMapping("/svc/admin")
    String admin() {
      return service.getObject().secrets();
    }

    @GetMapping("/svc/scoped")
    @RequiredScope("admin")
    String scoped() {
      return "scoped";
    }
  }

  @Component
  @org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty("test.unenforced")
  static class AdminService {
    @RequiredScope("admin")
    String secrets() {
      return "secrets";
    }
  }
}
