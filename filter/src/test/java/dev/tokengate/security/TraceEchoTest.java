package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.RawHttp;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * TRACE never reaches a servlet: {@code HttpServlet.doTrace}, inherited by every servlet and left on by Jetty, writes
 * the request's headers into the response body, the bearer token among them. Real Jetty, raw socket.
 */
class TraceEchoTest {
  @Test
  void trace_isRefusedBeforeAnyServlet_andTheTokenIsNeverEchoed() {
    try (TestIssuer issuer = TestIssuer.start();
        ApiServer api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
            .publicPaths("/health").build())) {
      int port = URI.create(api.url("/")).getPort();
      String token = issuer.token().sign();
      for (String target : new String[] {"/app/whoami", "/app/health", "/app/countries/x"}) {
        RawHttp.Response response = RawHttp.send(port, "TRACE", target, "Authorization: Bearer " + token,
            "X-Forwarded-Secret: internal");
        assertThat(response.status()).as(target).isEqualTo(400);
        assertThat(response.body()).isEqualTo(
            "{\"error\":\"invalid_request\",\"error_description\":\"The request method TRACE is not allowed\"}");
        assertThat(response.body()).doesNotContain(token).doesNotContain("internal");
      }
      assertThat(RawHttp.send(port, "GET", "/app/whoami", "Authorization: Bearer " + token).status())
          .isEqualTo(200);
    }
  }
}
