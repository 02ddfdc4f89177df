package dev.tokengate.internal.scope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.RequiredScope;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.RawHttp;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The per-servlet cache of {@code @RequiredScope} answers stays bounded whatever methods clients make up: one
 * authenticated client sending "A0", "A1", ... must not grow the heap for as long as the application runs.
 */
class ServletScopeCacheTest {
  /** Handles every method itself; class-level requirement. */
  @RequiredScope("orders:read")
  public static class AnyMethod extends HttpServlet {
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.getWriter().print("ran " + request.getMethod());
    }
  }

  @Test
  void madeUpMethods_shareOneCacheEntry_andStillNeedTheScope() {
    try (TestIssuer issuer = TestIssuer.start();
        ApiServer api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build(),
            Map.of("/any/*", AnyMethod.class))) {
      int port = URI.create(api.url("/")).getPort();
      String token = issuer.token().scope("orders:read").sign();
      for (int i = 0; i < 200; i++) {
        RawHttp.Response response = RawHttp.send(port, "M" + i, "/app/any/x", "Authorization: Bearer " + token);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ran M" + i);
      }
      assertThat(ServletScopeResolver.cachedAnswers(AnyMethod.class)).isLessThanOrEqualTo(1);
      RawHttp.Response lacking = RawHttp.send(port, "M1", "/app/any/x",
          "Authorization: Bearer " + issuer.token().scope("other").sign());
      assertThat(lacking.status()).isEqualTo(403);
    }
  }
}
