package dev.tokengate.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.RequiredScope;
import dev.tokengate.testing.TestIssuer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * RFC 9728 protected-resource metadata through the starter on Spring Boot's embedded Tomcat: {@code
 * tokengate.resource-identifier} on, {@code scopes_supported} from {@code @RequiredScope} on controllers (meta-
 * annotations included) and from the scope rules, {@code resource_metadata} in the challenges, and no spelling of
 * another path (Tomcat strips {@code ;params} and decodes {@code %2e} before it picks the servlet path, Spring MVC
 * routes on the raw URI) getting the document or reaching a controller.
 */
@SpringBootTest(classes = MetadataTomcatTest.App.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "tokengate.audiences=api",
    "tokengate.resource-identifier=https://api.example.com",
    "tokengate.scope-rules[0]=GET /api/reports/*=reports:read",
})
class MetadataTomcatTest {
  static final TestIssuer issuer = TestIssuer.start();
  static final List<String> HANDLED = new CopyOnWriteArrayList<>();
  static final String METADATA = "resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource\"";

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("tokengate.issuer", issuer::issuer);
  }

  @AfterAll
  static void stop() {
    issuer.close();
  }

  @LocalServerPort
  int port;

  @BeforeEach
  void clear() {
    HANDLED.clear();
  }

  @Test
  void document_listsTheScopesOfRequiredScope_andOfTheRules() throws Exception {
    RawHttp.Response response = new RawHttp(port).get("/.well-known/oauth-protected-resource", null);
    assertThat(response.status()).isEqualTo(200);
    Map<String, Object> document = JSONObjectUtils.parse(response.body());
    assertThat(document).containsEntry("resource", "https://api.example.com")
        .containsEntry("authorization_servers", List.of(issuer.issuer()))
        .containsEntry("bearer_methods_supported", List.of("header"))
        .containsEntry("scopes_supported", List.of("files:read", "orders:write", "reports:read"))
        .containsEntry("dpop_bound_access_tokens_required", false)
        .containsEntry("tls_client_certificate_bound_access_tokens", false);
    assertThat(HANDLED).isEmpty();
  }

  @Test
  void challenges_nameTheMetadata() {
    RawHttp http = new RawHttp(port);
    assertThat(http.get("/api/files", null).header("WWW-Authenticate")).hasValue("Bearer realm=\"api\", " + METADATA);
    assertThat(http.get("/api/files", "x.y.z").header("WWW-Authenticate")).hasValue("Bearer realm=\"api\", " + METADATA
        + ", error=\"invalid_token\", error_description=\"The access token is malformed\"");
    RawHttp.Response forbidden = http.get("/api/files", issuer.token().scope("other").sign());
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.header("WWW-Authenticate").orElseThrow()).startsWith("Bearer realm=\"api\", " + METADATA
        + ", error=\"insufficient_scope\"");
    assertThat(HANDLED).isEmpty();
    assertThat(http.get("/api/files", issuer.token().scope("files:read").sign()).status()).isEqualTo(200);
  }

  @Test
  void otherMethods_are405() {
    RawHttp.Response post = new RawHttp(port).send("POST", "/.well-known/oauth-protected-resource", null);
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("Allow")).hasValue("GET, HEAD");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/.well-known/oauth-protected-resource/..;/api/files",
      "/.well-known/oauth-protected-resource/..;/..;/api/files", "/.well-known/oauth-protected-resource/%2e%2e/api/files",
      "/api/files/..;/.well-known/oauth-protected-resource", "/api/files/%2e%2e/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource;x=1", "/.well-known/oauth-protected-resource/",
      "/.well-known/oauth-protected-resource%2f..%2fapi%2ffiles", "/.well-known/%2e/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/extra", "//.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resourc%65", "/.well-known/oauth-protected-resource/.."})
  void otherSpellings_getNeitherTheDocument_norAController(String target) {
    RawHttp.Response response = new RawHttp(port).get(target, null);
    assertThat(response.status()).as(target).isIn(400, 401, 404);
    assertThat(response.body()).as(target).doesNotContain("authorization_servers").doesNotContain("files for");
    assertThat(HANDLED).as("no controller ran for " + target).isEmpty();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(App.Files.class)
  static class App {
    @RestController
    @RequestMapping("/api")
    static class Files {
      @GetMapping("/files")
      @RequiredScope("files:read")
      String files() {
        HANDLED.add("/api/files");
        return "files for you";
      }

      @PostMapping("/orders")
      @CanWriteOrders
      String order() {
        HANDLED.add("/api/orders");
        return "ordered";
      }

      @GetMapping("/.well-known/**")
      String wellKnown() {
        HANDLED.add("/api/.well-known");
        return "files for well-known";
      }
    }
  }
}
