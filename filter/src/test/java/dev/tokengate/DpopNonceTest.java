package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.DpopProof;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) on real Jetty servers: a proof needs a nonce this fleet issued, the
 * current or the previous one; two instances with one secret accept each other's, another secret's are foreign.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopNonceTest {
  private static final String SECRET = "fleet-wide nonce secret, 32+ bytes long";
  private static final String ALGS = "algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"";

  private final MutableClock clock = MutableClock.startingNow();
  private final ECKey clientKey = DpopProof.ecKey();
  private TestIssuer issuer;
  private ApiServer first;
  private ApiServer second;
  private ApiServer foreign;
  private String token;

  @BeforeAll
  void start() {
    issuer = TestIssuer.builder().key(SigningKey.rsa("k1")).clock(clock).tokenLifetime(Duration.ofHours(2)).start();
    first = server(SECRET);
    second = server(SECRET);
    foreign = server("another fleet's secret, also 32+ bytes");
  }

  private ApiServer server(String secret) {
    TokenValidator validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .clock(clock).dpopMode(DpopMode.REQUIRED).dpopNonce(true)
        .dpopNonceSecret(secret.getBytes(StandardCharsets.UTF_8)).dpopNonceRotation(Duration.ofMinutes(5)).build());
    Poll.until("keys loaded", () -> validator.health().get(0).keysLoaded() > 0);
    return ApiServer.start(validator, Map.of("/files/*", CountingServlets.Files.class));
  }

  @AfterAll
  void stop() {
    first.close();
    second.close();
    foreign.close();
    issuer.close();
  }

  @BeforeEach
  void fresh() {
    CountingServlets.HANDLED.clear();
    token = issuer.token().claim("cnf", Map.of("jkt", DpopProof.thumbprint(clientKey))).sign();
  }

  private HttpResponse<String> call(ApiServer server, String nonce) {
    DpopProof proof = DpopProof.of(clientKey, "GET", server.url("/files/a"), token).issuedAt(clock.instant());
    if (nonce != null) {
      proof.claim("nonce", nonce);
    }
    return server.send("GET", "/files/a", null, "Authorization", "DPoP " + token, "DPoP", proof.sign());
  }

  private static void assertUseNonce(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("DPoP realm=\"api\","
        + " error=\"use_dpop_nonce\", error_description=\"" + description + "\", " + ALGS);
    assertThat(response.headers().firstValue("DPoP-Nonce")).isPresent();
    assertThat(CountingServlets.HANDLED).as("no handler ran").isEmpty();
  }

  @Test
  void proofWithoutNonce_isAnsweredUseDpopNonce_andTheGivenNonceThenWorks() {
    HttpResponse<String> refused = call(first, null);
    assertUseNonce(refused, "The DPoP proof needs a nonce from this server");
    String nonce = refused.headers().firstValue("DPoP-Nonce").orElseThrow();
    HttpResponse<String> accepted = call(first, nonce);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.headers().firstValue("DPoP-Nonce")).as("the nonce is current: nothing new to hand out")
        .isEmpty();
  }

  @Test
  void nonceFromOneInstance_isAcceptedByAnotherWithTheSameSecret() {
    String nonce = call(first, null).headers().firstValue("DPoP-Nonce").orElseThrow();
    assertThat(call(second, nonce).statusCode()).isEqualTo(200);
  }

  @Test
  void foreignNonce_isRefused() {
    String theirs = call(foreign, null).headers().firstValue("DPoP-Nonce").orElseThrow();
    assertUseNonce(call(first, theirs), "The DPoP proof's nonce is stale or not from this server");
    assertUseNonce(call(first, "made-up"), "The DPoP proof's nonce is stale or not from this server");
  }

  @Test
  void previousNonce_isAccepted_withTheNextOneHandedOut_andAnOlderOneIsStale() {
    String nonce = call(first, null).headers().firstValue("DPoP-Nonce").orElseThrow();
    clock.advance(Duration.ofMinutes(5));
    HttpResponse<String> previous = call(first, nonce);
    assertThat(previous.statusCode()).as(previous.body()).isEqualTo(200);
    String next = previous.headers().firstValue("DPoP-Nonce").orElseThrow();
    assertThat(next).isNotEqualTo(nonce);
    CountingServlets.HANDLED.clear();
    clock.advance(Duration.ofMinutes(5));
    HttpResponse<String> stale = call(first, nonce);
    assertUseNonce(stale, "The DPoP proof's nonce is stale or not from this server");
    assertThat(stale.headers().firstValue("DPoP-Nonce")).hasValueSatisfying(fresh -> assertThat(fresh)
        .isNotEqualTo(nonce));
    assertThat(call(first, next).statusCode()).as("the one handed out is still good").isEqualTo(200);
  }
}
