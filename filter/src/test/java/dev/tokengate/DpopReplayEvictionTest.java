package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.DpopProof;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The in-process replay store never forgets a proof inside its window to make room (review 3: a size-bounded cache
 * once did, and a captured proof was accepted again after other traffic filled it). Full, it refuses new proofs with
 * 503 and {@code Retry-After}; a proof it accepted stays refused. Real Jetty, real tokens, real proofs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopReplayEvictionTest {
  private static final Map<String, Class<? extends HttpServlet>> SERVLETS =
      Map.of("/files/*", CountingServlets.Files.class);
  private static final int STORE_SIZE = 50;

  private TestIssuer issuer;
  private TokenValidator validator;
  private ApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    validator = TokenValidator.create(TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .dpopMode(DpopMode.ALLOWED)
        .dpopAlgorithms(List.of("ES256"))
        .dpopReplayCacheSize(STORE_SIZE)
        .build());
    api = ApiServer.start(validator, SERVLETS);
    Poll.until("keys loaded", () -> validator.health().get(0).keysLoaded() > 0);
  }

  @AfterAll
  void stop() {
    api.close();
    validator.close();
    issuer.close();
  }

  private String boundTo(ECKey key) {
    return issuer.token().scope("orders:read").claim("cnf", Map.of("jkt", DpopProof.thumbprint(key))).sign();
  }

  private HttpResponse<String> send(String token, String proof) {
    return api.send("GET", "/files/a", null, "Authorization", "DPoP " + token, "DPoP", proof);
  }

  @Test
  void aFullStore_refusesNewProofsWith503_andStillRefusesTheReplayOfAnAcceptedOne() {
    ECKey victimKey = DpopProof.ecKey();
    String victimToken = boundTo(victimKey);
    ECKey otherKey = DpopProof.ecKey();
    String otherToken = boundTo(otherKey);

    String captured = DpopProof.of(victimKey, "GET", api.url("/files/a"), victimToken).sign();
    assertThat(send(victimToken, captured).statusCode()).as("the victim's own request").isEqualTo(200);
    for (int i = 1; i < STORE_SIZE; i++) {
      assertThat(send(otherToken, DpopProof.of(otherKey, "GET", api.url("/files/a"), otherToken).sign())
          .statusCode()).as("proof %d of %d", i + 1, STORE_SIZE).isEqualTo(200);
    }
    CountingServlets.HANDLED.clear();
    for (int i = 0; i < 3 * STORE_SIZE; i++) {
      HttpResponse<String> full = send(otherToken, DpopProof.of(otherKey, "GET", api.url("/files/a"), otherToken)
          .sign());
      assertThat(full.statusCode()).as("a new proof while the store is full").isEqualTo(503);
      assertThat(full.headers().firstValue("Retry-After")).isPresent();
    }
    assertThat(send(victimToken, captured).statusCode())
        .as("the captured proof again, well inside dpop-proof-max-age: a replay").isEqualTo(401);
    assertThat(CountingServlets.HANDLED).as("no handler ran once the store was full").isEmpty();
  }
}
