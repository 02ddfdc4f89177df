package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.Introspection;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.testing.TestIssuer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;

/** The issuer's health shows its introspection endpoint's reachability and counters, from a real failed call. */
class IssuerHealthIntrospectionTest {
  @Test
  void unreachableIntrospectionEndpoint_showsInTheIssuersHealthDetails() throws Exception {
    URI endpoint = URI.create("http://127.0.0.1:" + closedPort() + "/introspect");
    try (TestIssuer issuer = TestIssuer.start();
        TokenValidator validator = TokenValidator.create(TokenGateConfig.builder()
            .issuer(issuer.issuer())
            .audiences("api")
            .introspection(Introspection.withClient("api", "secret").withEndpoint(endpoint))
            .build())) {
      assertThatThrownBy(() -> validator.validate("an-opaque-token"))
          .isInstanceOfSatisfying(KeysUnavailableException.class, e ->
              assertThat(e.reason()).isEqualTo(KeysUnavailableException.Reason.INTROSPECTION_UNAVAILABLE));

      Health health = new IssuerHealthIndicator(validator, issuer.issuer()).health();

      @SuppressWarnings("unchecked")
      Map<String, Object> introspection = (Map<String, Object>) health.getDetails().get("introspection");
      assertThat(introspection)
          .containsEntry("endpoint", endpoint.toString())
          .containsEntry("reachable", false)
          .containsEntry("calls", 1L)
          .containsEntry("failures", 1L)
          .containsEntry("cacheHits", 0L);
      assertThat((String) introspection.get("lastError")).contains("Connection refused");
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
