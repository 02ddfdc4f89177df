package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Scope rules and public paths mean on a real Jetty what the servlet spec's mapping means: HEAD, last dot. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuleSemanticsTest {
  private TestIssuer issuer;
  private ApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    Map<String, Class<? extends HttpServlet>> servlets = Map.of(
        "/open/*", CountingServlets.Files.class, "/data/*", CountingServlets.Files.class,
        "/public/*", CountingServlets.Public.class);
    api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .scopeRule("GET /open/*=admin").scopeRule("*.csv=reports:read").publicPaths("/public/*", "*.txt")
        .build(), servlets);
  }

  @AfterAll
  void stop() {
    api.close();
    issuer.close();
  }

  @BeforeEach
  void forget() {
    CountingServlets.HANDLED.clear();
  }

  @Test
  void head_followsTheGetRule_becauseTheGetHandlerServesIt() {
    HttpResponse<String> refused = api.send("HEAD", "/open/x", null, "Authorization", "Bearer " + issuer.token().sign());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
        + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
        + " scope=\"admin\"");
    assertThat(CountingServlets.HANDLED).isEmpty();

    HttpResponse<String> accepted =
        api.send("HEAD", "/open/x", null, "Authorization", "Bearer " + issuer.token().scope("admin").sign());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(CountingServlets.HANDLED).containsExactly("Files /open/x");
  }

  @Test
  void otherMethods_areNotCoveredByAGetRule() {
    HttpResponse<String> post = api.send("POST", "/open/x", "", "Authorization", "Bearer " + issuer.token().sign());
    assertThat(post.statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      /data/report.csv         | 403
      /data/report.2024.csv    | 403
      /data/a.b.c.csv          | 403
      /data/report.csv.bak     | 200
      /data/report.csv/x       | 200
      /data/reportcsv          | 200
      """)
  void extensionRule_takesTheLastDotOfTheLastSegment(String path, int status) {
    HttpResponse<String> response = api.get(path, issuer.token().sign());
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(CountingServlets.HANDLED).hasSize(status == 200 ? 1 : 0);
    assertThat(api.get(path, issuer.token().scope("reports:read").sign()).statusCode()).isEqualTo(200);
  }

  @Test
  void extensionPublicPath_takesTheLastDot_andNothingElse() {
    assertThat(api.get("/data/notes.2024.txt", null).statusCode()).isEqualTo(200);
    assertThat(api.get("/data/notes.txt.csv", null).statusCode()).isEqualTo(401);
    assertThat(api.get("/data/notes.txt/x", null).statusCode()).isEqualTo(401);
  }
}
