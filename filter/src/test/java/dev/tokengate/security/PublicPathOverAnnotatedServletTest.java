package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.TestServlets;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A public-path pattern that also covers a servlet carrying {@code @RequiredScope} does not switch the annotation
 * off: the servlet still needs a token with the scope (the Spring adapter fails closed the same way). Real Jetty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicPathOverAnnotatedServletTest {
  private TestIssuer issuer;
  private ApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    // "/v1/*" is meant for the public health servlet, but the annotated countries servlet sits under it too.
    api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").publicPaths("/v1/*")
        .build(), Map.<String, Class<? extends HttpServlet>>of(
            "/v1/health", TestServlets.Health.class, "/v1/countries/*", TestServlets.Countries.class));
  }

  @AfterAll
  void stop() {
    api.close();
    issuer.close();
  }

  @Test
  void annotatedServletUnderAPublicPath_stillNeedsItsScope() {
    HttpResponse<String> noToken = api.get("/v1/countries/fr", null);
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(noToken.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    assertThat(noToken.body()).doesNotContain("name=");

    HttpResponse<String> lacking = api.get("/v1/countries/fr", issuer.token().scope("orders:read").sign());
    assertThat(lacking.statusCode()).isEqualTo(403);
    assertThat(lacking.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("scope=\"countries:read\""));

    HttpResponse<String> accepted = api.get("/v1/countries/fr", issuer.token().scope("countries:read").sign());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).contains("name=orders-service");
  }

  @Test
  void unannotatedServletUnderThePublicPath_staysPublic() {
    HttpResponse<String> response = api.get("/v1/health", null);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("UP principal=null");
  }
}
