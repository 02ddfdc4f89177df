package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import dev.tokengate.spi.ReplayStoreUnavailableException;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.DpopProof;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * DPoP (RFC 9449) through the filter on a real Jetty: real tokens from a real issuer, real proofs signed by Nimbus,
 * real HTTP. Each §4.3 check has a case in the negative matrix, asserting status, error, challenge, and that no
 * handler ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopTest {
  private static final Map<String, Class<? extends HttpServlet>> SERVLETS =
      Map.of("/files/*", CountingServlets.Files.class, "/orders/*", CountingServlets.Orders.class);
  private static final String ALGS = "algs=\"ES256 PS256\"";

  private TestIssuer issuer;
  private TokenValidator validator;
  private ApiServer api;
  private final ECKey clientKey = DpopProof.ecKey();
  private String boundToken;

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    validator = TokenValidator.create(TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .dpopMode(DpopMode.ALLOWED)
        .dpopAlgorithms(List.of("ES256", "PS256"))
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

  @BeforeEach
  void clearHandled() {
    CountingServlets.HANDLED.clear();
    boundToken = boundTo(clientKey);
  }

  private String boundTo(JWK key) {
    return issuer.token().scope("orders:read").claim("cnf", Map.of("jkt", DpopProof.thumbprint(key))).sign();
  }

  private String url(String path) {
    return api.url(path);
  }

  private HttpResponse<String> dpop(ApiServer server, String path, String token, String... proofs) {
    String[] headers = new String[2 + 2 * proofs.length];
    headers[0] = "Authorization";
    headers[1] = "DPoP " + token;
    for (int i = 0; i < proofs.length; i++) {
      headers[2 + 2 * i] = "DPoP";
      headers[3 + 2 * i] = proofs[i];
    }
    return server.send("GET", path, null, headers);
  }

  private HttpResponse<String> dpop(String token, String... proofs) {
    return dpop(api, "/files/a", token, proofs);
  }

  private DpopProof proof(String token) {
    return DpopProof.of(clientKey, "GET", url("/files/a"), token);
  }

  private static void assertRefused(HttpResponse<String> response, int status, String error, String description) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("DPoP realm=\"api\", error=\""
        + error + "\", error_description=\"" + description + "\", " + ALGS);
    assertThat(response.body()).contains("\"error\":\"" + error + "\"");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(CountingServlets.HANDLED).as("no handler ran").isEmpty();
  }

  @Test
  void boundToken_withValidProof_reachesTheHandler() {
    HttpResponse<String> response = dpop(boundToken, proof(boundToken).sign());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("handler=Files").contains("caller=");
    assertThat(CountingServlets.HANDLED).containsExactly("Files /files/a");
  }

  @Test
  void schemeName_isCaseInsensitive_andAnRsaKeyWithPs256Works() {
    RSAKey rsa = DpopProof.rsaKey(2048);
    String token = boundTo(rsa);
    HttpResponse<String> response = api.send("GET", "/files/a", null, "Authorization", "dpop " + token, "DPoP",
        DpopProof.of(rsa, "GET", url("/files/a"), token).sign());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void tokenChecks_comeFromTheCache_whileEveryRequestNeedsItsOwnProof() {
    long before = validator.tokenCache().verifications();
    for (int i = 0; i < 3; i++) {
      assertThat(dpop(boundToken, proof(boundToken).sign()).statusCode()).isEqualTo(200);
    }
    assertThat(validator.tokenCache().verifications() - before).as("full token verifications").isEqualTo(1);
    CountingServlets.HANDLED.clear();
    // The token is cached, and yet a request without a proof or with a used one is refused.
    assertRefused(dpop(boundToken), 401, "invalid_dpop_proof", "The request has no DPoP proof header");
  }

  @Test
  void replayedProof_isRefusedTheSecondTime() {
    String proof = proof(boundToken).sign();
    assertThat(dpop(boundToken, proof).statusCode()).isEqualTo(200);
    CountingServlets.HANDLED.clear();
    assertRefused(dpop(boundToken, proof), 401, "invalid_dpop_proof", "The DPoP proof was used before");
  }

  @Test
  void htu_isComparedNormalized_withoutQueryOrFragment() {
    String htu = url("/files/a").replace("http://", "HTTP://") + "?page=2#top";
    HttpResponse<String> response = api.send("GET", "/files/a?other=1", null, "Authorization", "DPoP " + boundToken,
        "DPoP", DpopProof.of(clientKey, "GET", htu, boundToken).sign());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  @Test
  void postWithAProofForPost_passes_andTheSameProofForGet_doesNot() {
    String proof = DpopProof.of(clientKey, "POST", url("/files/a"), boundToken).sign();
    assertRefused(dpop(boundToken, proof), 401, "invalid_dpop_proof",
        "The DPoP proof's htm does not match the request method");
    HttpResponse<String> response = api.send("POST", "/files/a", "", "Authorization", "DPoP " + boundToken, "DPoP",
        DpopProof.of(clientKey, "POST", url("/files/a"), boundToken).sign());
    assertThat(response.statusCode()).isEqualTo(200);
  }

  /** Each check of RFC 9449 §4.3, one way to fail it: 401 invalid_dpop_proof, the DPoP challenge, no handler. */
  Stream<Arguments> badProofs() {
    ECKey other = DpopProof.ecKey();
    RSAKey weak = DpopProof.rsaKey(1024);
    ECKey p384 = DpopProof.ecKey(Curve.P_384);
    return Stream.of(
        bad("not a JWT", p -> "not-a-jwt",
            "The DPoP proof is not a well-formed signed JWT with a public jwk"),
        bad("typ JWT", p -> p.header("typ", "JWT").sign(), "The DPoP proof's typ must be dpop+jwt"),
        bad("no typ", p -> p.header("typ", null).sign(), "The DPoP proof's typ must be dpop+jwt"),
        bad("alg not allow-listed (ES384)", p -> p.header("alg", "ES384").header("jwk", p384.toPublicJWK().toJSONObject()).signWith(p384),
            "The DPoP proof's alg is not accepted; accepted are ES256 PS256"),
        bad("alg none", p -> unsignedNone(p), "The DPoP proof is not a well-formed signed JWT with a public jwk"),
        bad("no jwk", p -> p.header("jwk", null).sign(), "The DPoP proof's header has no jwk"),
        bad("private jwk", p -> p.header("jwk", clientKey.toJSONObject()).sign(),
            "The DPoP proof is not a well-formed signed JWT with a public jwk"),
        bad("signed by another key", p -> p.signWith(other), "The DPoP proof's signature is not valid for its jwk"),
        bad("jwk of another type than alg", p -> p.header("jwk", DpopProof.rsaKey(2048).toPublicJWK().toJSONObject())
            .sign(), "The DPoP proof's jwk does not fit its alg"),
        bad("RSA key under 2048 bits", p -> p.header("alg", "PS256").header("jwk", weak.toPublicJWK().toJSONObject())
            .signWith(weak), "The DPoP proof's RSA key is shorter than 2048 bits"),
        bad("no jti", p -> p.claim("jti", null).sign(), "The DPoP proof needs a jti of 1 to 256 characters"),
        bad("jti too long", p -> p.claim("jti", "j".repeat(257)).sign(),
            "The DPoP proof needs a jti of 1 to 256 characters"),
        bad("htm POST for GET", p -> p.claim("htm", "POST").sign(),
            "The DPoP proof's htm does not match the request method"),
        bad("htm lower case", p -> p.claim("htm", "get").sign(),
            "The DPoP proof's htm does not match the request method"),
        bad("no htm", p -> p.claim("htm", null).sign(), "The DPoP proof's htm does not match the request method"),
        bad("htu another path", p -> p.claim("htu", url("/files/b")).sign(),
            "The DPoP proof's htu does not match the request URI"),
        bad("htu another host", p -> p.claim("htu", url("/files/a").replace("127.0.0.1", "localhost")).sign(),
            "The DPoP proof's htu does not match the request URI"),
        bad("htu https", p -> p.claim("htu", url("/files/a").replace("http:", "https:")).sign(),
            "The DPoP proof's htu does not match the request URI"),
        bad("htu relative", p -> p.claim("htu", "/app/files/a").sign(),
            "The DPoP proof's htu does not match the request URI"),
        bad("no htu", p -> p.claim("htu", null).sign(), "The DPoP proof's htu does not match the request URI"),
        bad("htu not a string", p -> p.claim("htu", 42).sign(), "The DPoP proof's claims are malformed"),
        bad("no iat", p -> p.claim("iat", null).sign(), "The DPoP proof has no iat"),
        bad("iat 61 s ago", p -> p.issuedAt(Instant.now().minusSeconds(61)).sign(), "The DPoP proof is too old"),
        bad("iat 70 s ahead", p -> p.issuedAt(Instant.now().plusSeconds(70)).sign(),
            "The DPoP proof is issued in the future"),
        bad("no ath", p -> p.claim("ath", null).sign(), "The DPoP proof has no ath"),
        bad("ath of another token", p -> p.claim("ath", DpopProof.ath(boundTo(clientKey))).sign(),
            "The DPoP proof's ath does not match the access token"));
  }

  private static Arguments bad(String name, Function<DpopProof, String> proof, String description) {
    return Arguments.of(name, proof, description);
  }

  private static String unsignedNone(DpopProof proof) {
    return proof.header("alg", "none").unsigned();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badProofs")
  void badProof_is401InvalidDpopProof(String name, Function<DpopProof, String> make, String description) {
    assertRefused(dpop(boundToken, make.apply(proof(boundToken))), 401, "invalid_dpop_proof", description);
  }

  @Test
  void twoDpopHeaders_areRefused() {
    assertRefused(dpop(boundToken, proof(boundToken).sign(), proof(boundToken).sign()), 401, "invalid_dpop_proof",
        "The request has more than one DPoP header");
  }

  @Test
  void unboundToken_withTheDpopScheme_isInvalidToken() {
    String unbound = issuer.token().sign();
    assertRefused(dpop(unbound, proof(unbound).sign()), 401, "invalid_token",
        "The access token is not DPoP-bound (no cnf.jkt claim)");
  }

  @Test
  void tokenBoundToAnotherKey_isInvalidToken() {
    String token = boundTo(DpopProof.ecKey());
    assertRefused(dpop(token, proof(token).sign()), 401, "invalid_token",
        "The access token is bound to another key than the DPoP proof's");
  }

  @Test
  void malformedCnf_isInvalidToken() {
    String token = issuer.token().claim("cnf", "jkt").sign();
    assertRefused(dpop(token, proof(token).sign()), 401, "invalid_token",
        "The access token's cnf claim is not a JSON object");
  }

  @Test
  void expiredToken_underTheDpopScheme_answersWithTheDpopChallenge() {
    String token = issuer.token().claim("cnf", Map.of("jkt", DpopProof.thumbprint(clientKey)))
        .expiresAt(Instant.now().minusSeconds(300)).sign();
    HttpResponse<String> response = dpop(token, proof(token).sign());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate")).singleElement().asString()
        .startsWith("DPoP realm=\"api\", error=\"invalid_token\"").endsWith(ALGS);
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Test
  void missingScope_underTheDpopScheme_is403WithTheDpopChallenge() {
    String token = issuer.token().scope("other").claim("cnf", Map.of("jkt", DpopProof.thumbprint(clientKey))).sign();
    HttpResponse<String> response =
        dpop(api, "/orders/1", token, DpopProof.of(clientKey, "GET", url("/orders/1"), token).sign());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().allValues("WWW-Authenticate")).singleElement().asString()
        .startsWith("DPoP realm=\"api\", error=\"insufficient_scope\"").contains("scope=\"orders:read\"")
        .endsWith(ALGS);
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Test
  void boundToken_asBearer_isRefused() {
    HttpResponse<String> response = api.get("/files/a", boundToken);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly(
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The access token is DPoP-bound: send it"
            + " with the DPoP scheme and a DPoP proof\"",
        "DPoP realm=\"api\", " + ALGS);
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Test
  void unboundToken_asBearer_isAcceptedInModeAllowed() {
    assertThat(api.get("/files/a", issuer.token().sign()).statusCode()).isEqualTo(200);
  }

  @Test
  void noToken_isChallengedWithBothSchemes() {
    HttpResponse<String> response = api.get("/files/a", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate"))
        .containsExactly("Bearer realm=\"api\"", "DPoP realm=\"api\", " + ALGS);
  }

  @Test
  void emptyDpopCredentials_areInvalidRequest() {
    HttpResponse<String> response = api.send("GET", "/files/a", null, "Authorization", "DPoP ");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().allValues("WWW-Authenticate")).singleElement().asString()
        .startsWith("DPoP realm=\"api\", error=\"invalid_request\"");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ModeRequired {
    private ApiServer required;

    @BeforeAll
    void start() {
      required = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
          .dpopMode(DpopMode.REQUIRED).build(), SERVLETS);
    }

    @AfterAll
    void stop() {
      required.close();
    }

    @Test
    void bearerToken_isRefused_evenUnbound() {
      HttpResponse<String> response = required.get("/files/a", issuer.token().sign());
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().allValues("WWW-Authenticate")).first().asString()
          .contains("error=\"invalid_token\"").contains("requires DPoP");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }

    @Test
    void noToken_isChallengedWithDpopOnly() {
      assertThat(required.get("/files/a", null).headers().allValues("WWW-Authenticate"))
          .containsExactly("DPoP realm=\"api\", algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"");
    }

    @Test
    void boundTokenWithProof_passes() {
      HttpResponse<String> response = dpop(required, "/files/a", boundToken,
          DpopProof.of(clientKey, "GET", required.url("/files/a"), boundToken).sign());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ModeOff {
    private ApiServer off;

    @BeforeAll
    void start() {
      off = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build(), SERVLETS);
    }

    @AfterAll
    void stop() {
      off.close();
    }

    @Test
    void dpopScheme_isAnUnknownScheme_answeredWithTheBareBearerChallenge() {
      HttpResponse<String> response = dpop(off, "/files/a", boundToken,
          DpopProof.of(clientKey, "GET", off.url("/files/a"), boundToken).sign());
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"api\"");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }

    @Test
    void boundTokenAsBearer_isRefused_sinceWithDpopOffItsBindingCannotBeChecked() {
      HttpResponse<String> response = off.get("/files/a", boundToken);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"api\","
          + " error=\"invalid_token\", error_description=\"The access token is DPoP-bound (cnf.jkt) and this API does"
          + " not accept DPoP from its issuer: set dpop-mode to allowed or required for it\"");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class BehindAProxy {
    private ApiServer proxied;

    @BeforeAll
    void start() {
      proxied = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
          .dpopMode(DpopMode.ALLOWED).dpopExternalBaseUrl(URI.create("https://API.Example.com:443/")).build(),
          SERVLETS);
    }

    @AfterAll
    void stop() {
      proxied.close();
    }

    @Test
    void proofForTheExternalUrl_passes_withDefaultPortAndCaseNormalized() {
      HttpResponse<String> response = dpop(proxied, "/files/a", boundToken,
          DpopProof.of(clientKey, "GET", "https://api.example.com/app/files/a", boundToken).sign());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void proofForTheInternalUrl_isRefused() {
      HttpResponse<String> response = dpop(proxied, "/files/a", boundToken,
          DpopProof.of(clientKey, "GET", proxied.url("/files/a"), boundToken).sign());
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.body()).contains("htu does not match");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ReplayStoreDown {
    private ApiServer broken;

    @BeforeAll
    void start() {
      broken = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
          .dpopMode(DpopMode.ALLOWED)
          .dpopReplayStore((id, lifetime) -> {
            throw new ReplayStoreUnavailableException("store down", Duration.ofSeconds(7), null);
          })
          .build(), SERVLETS);
    }

    @AfterAll
    void stop() {
      broken.close();
    }

    @Test
    void validProof_is503WithRetryAfter_neverLetThrough() {
      HttpResponse<String> response = dpop(broken, "/files/a", boundToken,
          DpopProof.of(clientKey, "GET", broken.url("/files/a"), boundToken).sign());
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After")).hasValue("7");
      assertThat(response.headers().allValues("WWW-Authenticate")).isEmpty();
      assertThat(CountingServlets.HANDLED).isEmpty();
    }
  }
}
