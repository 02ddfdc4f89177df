package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.DpopProof;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The verifier accepts a proof up to and including the instant iat + max age; the replay store's entry outlives that
 * instant (review 3: it once expired exactly then, and the used proof was accepted again at that last millisecond).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopReplayWindowEdgeTest {
  private static final Map<String, Class<? extends HttpServlet>> SERVLETS =
      Map.of("/files/*", CountingServlets.Files.class);

  private final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final MutableClock clock = new MutableClock(start.plusNanos(500_000));
  private TestIssuer issuer;
  private TokenValidator validator;
  private ApiServer api;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    validator = TokenValidator.create(TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .clock(clock)
        .dpopMode(DpopMode.ALLOWED)
        .dpopAlgorithms(List.of("ES256"))
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

  @Test
  void usedProof_isNotAcceptedAgain_atTheLastInstantOfItsWindow() {
    ECKey key = DpopProof.ecKey();
    String token = issuer.token().scope("orders:read").claim("cnf", Map.of("jkt", DpopProof.thumbprint(key)))
        .expiresAt(start.plusSeconds(600)).sign();
    String proof = DpopProof.of(key, "GET", api.url("/files/a"), token).issuedAt(start).sign();
    assertThat(send(token, proof)).as("first use").isEqualTo(200);

    clock.set(start.plusSeconds(60).minusMillis(1));
    assertThat(send(token, proof)).as("replay 1 ms before the window ends").isEqualTo(401);

    clock.set(start.plusSeconds(60));
    CountingServlets.HANDLED.clear();
    assertThat(send(token, proof)).as("replay at iat + dpop-proof-max-age, still inside the verifier's window")
        .isEqualTo(401);
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  private int send(String token, String proof) {
    return api.send("GET", "/files/a", null, "Authorization", "DPoP " + token, "DPoP", proof).statusCode();
  }
}
