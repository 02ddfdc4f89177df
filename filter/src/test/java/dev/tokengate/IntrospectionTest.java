package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.IntrospectionServer;
import dev.tokengate.support.IntrospectionServer.Fault;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Opaque tokens through the filter on a real Jetty, checked against a real introspection endpoint on loopback: what a
 * caller sees for active, inactive and refused tokens, every way the endpoint can fail, floods, revocation within the
 * cache bound (time moved by the injected clock), single-flight, and both client authentication methods.
 */
class IntrospectionTest {
  private static final String OPAQUE = "2YotnFZFEjr1zCsicMWpAA";
  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private IntrospectionServer endpoint;
  private ApiServer api;
  private TokenValidator validator;

  @BeforeEach
  void startServers() {
    issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
    endpoint = IntrospectionServer.start();
    CountingServlets.HANDLED.clear();
  }

  @AfterEach
  void stopServers() {
    if (api != null) {
      api.close();
    }
    if (validator != null) {
      validator.close();
    }
    endpoint.close();
    issuer.close();
  }

  private Introspection introspection() {
    return Introspection.withClient(IntrospectionServer.CLIENT_ID, IntrospectionServer.CLIENT_SECRET)
        .withEndpoint(endpoint.endpoint());
  }

  private void start(UnaryOperator<TokenGateConfig.Builder> settings) {
    TokenGateConfig.Builder builder = TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .clock(clock)
        .introspection(introspection());
    validator = TokenValidator.create(settings.apply(builder).build());
    Map<String, Class<? extends jakarta.servlet.http.HttpServlet>> servlets = new LinkedHashMap<>();
    servlets.put("/files/*", CountingServlets.Files.class);
    servlets.put("/orders/*", CountingServlets.Orders.class);
    api = ApiServer.start(validator, servlets);
  }

  private void start() {
    start(UnaryOperator.identity());
  }

  /** The members of an answer for an active token of orders-service with these scopes, valid for an hour. */
  private Map<String, Object> activeAnswer(String scope) {
    Map<String, Object> members = new LinkedHashMap<>();
    members.put("client_id", "orders-service");
    members.put("scope", scope);
    members.put("aud", List.of("api"));
    members.put("iss", issuer.issuer());
    members.put("token_type", "Bearer");
    members.put("exp", clock.instant().plusSeconds(3600).getEpochSecond());
    members.put("iat", clock.instant().getEpochSecond());
    return members;
  }

  private static void assertInvalidToken(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + description + "\"");
    assertThat(response.body())
        .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"" + description + "\"}");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  private static void assertUnavailable(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(response.body()).isEqualTo("{\"error\":\"temporarily_unavailable\",\"error_description\":\"The access"
        + " token could not be checked because the issuer's introspection endpoint is unavailable\"}");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Nested
  class Answers {
    @Test
    void activeOpaqueToken_reachesHandler_asItsClient() {
      start();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));

      HttpResponse<String> response = api.get("/orders/1", OPAQUE);

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("handler=Orders path=/orders/1 caller=orders-service");
      assertThat(endpoint.calls()).singleElement().satisfies(call -> {
        assertThat(call.form()).containsEntry("token", OPAQUE).containsEntry("token_type_hint", "access_token");
      });
    }

    @Test
    void activeToken_withoutTheRequiredScope_is403() {
      start();
      endpoint.activate(OPAQUE, activeAnswer("countries:read"));

      HttpResponse<String> response = api.get("/orders/1", OPAQUE);

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
          + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request requires\","
          + " scope=\"orders:read\"");
      assertThat(CountingServlets.HANDLED).isEmpty();
    }

    @Test
    void inactiveToken_is401_notActive() {
      start();
      assertInvalidToken(api.get("/files/a", "unknown-opaque-token"), "The access token is not active");
    }

    @Test
    void answerForAnotherAudience_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("aud", "billing-api");
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is for another audience");
    }

    @Test
    void answerWithoutAudience_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.remove("aud");
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is for another audience");
    }

    @Test
    void answerNamingAnotherIssuer_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("iss", "https://elsewhere.example.com");
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token was issued by an untrusted issuer");
    }

    @Test
    void dpopTypedAnswer_withoutCnfJkt_is401_notTakenForBearer() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("token_type", "DPoP");
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/orders/1", OPAQUE),
          "The access token is DPoP-bound but its introspection answer names no key (cnf.jkt)");
    }

    @Test
    void refreshTokenTypedAnswer_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("token_type", "refresh_token");
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The token is not an access token");
    }

    @Test
    void certificateBoundAnswer_withoutAClientCertificate_is401() {
      // RFC 8705 §3.2: the introspection answer's cnf binds the opaque token as a JWT's cnf would.
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("cnf", Map.of("x5t#S256", "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0"));
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/orders/1", OPAQUE),
          "The access token is certificate-bound and the request has no TLS client certificate");
    }

    @Test
    void answerBoundByAnUncheckedMethod_orDpopBoundWhileDpopIsOff_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("cnf", Map.of("jwk", Map.of("kty", "EC")));
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/orders/1", OPAQUE), "The access token is bound to its client by a confirmation"
          + " method this API does not check (tokengate checks cnf.jkt and cnf.x5t#S256 only)");

      Map<String, Object> dpopBound = activeAnswer("orders:read");
      dpopBound.put("cnf", Map.of("jkt", "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"));
      endpoint.activate("another-opaque-token", dpopBound);
      assertInvalidToken(api.get("/orders/1", "another-opaque-token"), "The access token is DPoP-bound (cnf.jkt) and"
          + " this API does not accept DPoP from its issuer: set dpop-mode to allowed or required for it");
    }

    @Test
    void answerWithAMalformedCertificateThumbprint_is401_notTakenForUnbound() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("cnf", Map.of("x5t#S256", 42));
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/orders/1", OPAQUE),
          "The access token's cnf.x5t#S256 is not a SHA-256 certificate thumbprint");
    }

    @Test
    void answerWithoutExp_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.remove("exp");
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token has no expiry");
    }

    @Test
    void expiredAnswer_is401_evenWhenActive() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("exp", clock.instant().minusSeconds(120).getEpochSecond());
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token expired");
    }

    @Test
    void notYetValidAnswer_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("nbf", clock.instant().plusSeconds(600).getEpochSecond());
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is not valid yet");
    }

    @Test
    void answerWithoutClient_is401() {
      start();
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.remove("client_id");
      endpoint.activate(OPAQUE, answer);
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token does not name its client");
    }

    @Test
    void jwt_isValidatedLocally_withoutIntrospection() {
      start();
      HttpResponse<String> response = api.get("/files/a", issuer.token().sign());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(endpoint.callCount()).isZero();
    }

    @Test
    void jwt_isAlsoIntrospected_whenAsked_andRefusedWhenInactive() {
      start(builder -> builder.introspectJwts(true));
      String jwt = issuer.token().sign();
      assertInvalidToken(api.get("/files/a", jwt), "The access token is not active");
      endpoint.activate(jwt, activeAnswer("orders:read"));
      clock.advance(Duration.ofSeconds(11)); // past the negative TTL
      CountingServlets.HANDLED.clear();
      assertThat(api.get("/files/a", jwt).statusCode()).isEqualTo(200);
      assertThat(endpoint.callCount()).isEqualTo(2);
    }

    @Test
    void withoutIntrospection_anOpaqueTokenStaysMalformed() {
      validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
          .clock(clock).build());
      api = ApiServer.start(validator, Map.of("/files/*", CountingServlets.Files.class));
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is malformed");
      assertThat(endpoint.callCount()).isZero();
    }
  }

  @Nested
  class ClientAuthentication {
    @Test
    void clientSecretBasic_sendsFormEncodedCredentialsInTheHeader() {
      start();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));
      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      IntrospectionServer.Call call = endpoint.calls().get(0);
      assertThat(call.method()).isEqualTo("client_secret_basic");
      assertThat(call.form()).doesNotContainKeys("client_id", "client_secret");
    }

    @Test
    void clientSecretPost_sendsCredentialsInTheForm() {
      start(builder -> builder.introspection(introspection()
          .withClientAuthentication(Introspection.ClientAuthentication.CLIENT_SECRET_POST)));
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));
      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      IntrospectionServer.Call call = endpoint.calls().get(0);
      assertThat(call.method()).isEqualTo("client_secret_post");
      assertThat(call.authorization()).isNull();
      assertThat(call.form()).containsEntry("client_id", IntrospectionServer.CLIENT_ID);
    }

    @Test
    void wrongSecret_is503_not401() {
      start(builder -> builder.introspection(Introspection.withClient(IntrospectionServer.CLIENT_ID, "wrong")
          .withEndpoint(endpoint.endpoint())));
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));
      assertUnavailable(api.get("/files/a", OPAQUE));
    }
  }

  @Nested
  class EndpointFaults {
    @Test
    void endpointDown_is503() {
      start();
      endpoint.stop();
      assertUnavailable(api.get("/files/a", OPAQUE));
      assertThat(validator.introspectionHealth()).singleElement().satisfies(health -> {
        assertThat(health.reachable()).isFalse();
        assertThat(health.lastError()).hasValueSatisfying(error -> assertThat(error).contains("Connection refused"));
      });
    }

    @Test
    void noLogLine_namesTheToken_whateverTheEndpointDoes() {
      ch.qos.logback.classic.Logger log =
          (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.tokengate");
      ch.qos.logback.classic.Level level = log.getLevel();
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
          new ch.qos.logback.core.read.ListAppender<>();
      events.start();
      log.addAppender(events);
      log.setLevel(ch.qos.logback.classic.Level.DEBUG);
      try {
        start();
        endpoint.fault(Fault.STATUS_500);
        assertUnavailable(api.get("/files/a", OPAQUE));
        endpoint.fault(Fault.HTML_200);
        assertUnavailable(api.get("/files/a", OPAQUE + "-2"));
        endpoint.stop();
        assertUnavailable(api.get("/files/a", OPAQUE + "-3"));
      } finally {
        log.detachAppender(events);
        log.setLevel(level);
      }
      assertThat(events.list).as("the failures were logged").isNotEmpty();
      assertThat(events.list).allSatisfy(event -> {
        assertThat(event.getFormattedMessage()).doesNotContain(OPAQUE);
        if (event.getThrowableProxy() != null) {
          assertThat(event.getThrowableProxy().getMessage()).doesNotContain(OPAQUE);
        }
      });
    }

    @Test
    void slowEndpoint_is503_withinTheDeadline() {
      start(builder -> builder.introspectionReadTimeout(Duration.ofMillis(300)));
      endpoint.hold();
      long started = System.nanoTime();
      assertUnavailable(api.get("/files/a", OPAQUE));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
      endpoint.release();
    }

    @Test
    void status500_is503() {
      start();
      endpoint.fault(Fault.STATUS_500);
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void html200_is503() {
      start();
      endpoint.fault(Fault.HTML_200);
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void oversizedAnswer_is503() {
      start();
      endpoint.fault(Fault.OVERSIZED);
      assertUnavailable(api.get("/files/a", OPAQUE));
      assertThat(validator.introspectionHealth().get(0).lastError())
          .hasValueSatisfying(error -> assertThat(error).contains("over the limit of 65536"));
    }

    @Test
    void activeMissing_is503() {
      start();
      endpoint.fault(Fault.ACTIVE_MISSING);
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void activeNotABoolean_is503() {
      start();
      endpoint.fault(Fault.ACTIVE_NOT_BOOLEAN);
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void listener_hearsIntrospectionUnavailable() {
      List<KeysUnavailableException.Reason> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
      validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
          .clock(clock).introspection(introspection()).build());
      api = ApiServer.start(new TokenGateFilter(validator, new dev.tokengate.spi.ValidationListener() {
        @Override
        public void onKeysUnavailable(KeysUnavailableException.Reason reason) {
          heard.add(reason);
        }
      }), Map.of("/files/*", CountingServlets.Files.class));
      endpoint.fault(Fault.STATUS_500);
      assertUnavailable(api.get("/files/a", OPAQUE));
      assertThat(heard).containsExactly(KeysUnavailableException.Reason.INTROSPECTION_UNAVAILABLE);
    }

    @Test
    void failure_isNotCached_theEndpointIsAskedAgain() {
      start();
      endpoint.fault(Fault.STATUS_500);
      assertUnavailable(api.get("/files/a", OPAQUE));
      endpoint.fault(Fault.NONE).activate(OPAQUE, activeAnswer("orders:read"));
      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      assertThat(endpoint.callCount()).isEqualTo(2);
    }
  }

  @Nested
  class CacheAndAbuse {
    @Test
    void revokedToken_keepsWorkingUntilTheCacheBound_thenIs401() {
      start(builder -> builder.introspectionCacheMaxTtl(Duration.ofSeconds(30)));
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));
      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);

      endpoint.revoke(OPAQUE);
      clock.advance(Duration.ofSeconds(29));
      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      assertThat(endpoint.callCount()).isEqualTo(1);

      clock.advance(Duration.ofSeconds(2));
      CountingServlets.HANDLED.clear();
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is not active");
      assertThat(endpoint.callCount()).isEqualTo(2);
    }

    @Test
    void zeroMaxTtl_asksForEveryRequest() {
      start(builder -> builder.introspectionCacheMaxTtl(Duration.ZERO));
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));
      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      endpoint.revoke(OPAQUE);
      CountingServlets.HANDLED.clear();
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is not active");
    }

    @Test
    void activeAnswer_isNotKeptPastTheTokensExp() {
      start(builder -> builder.introspectionCacheMaxTtl(Duration.ofMinutes(10)).clockSkew(Duration.ZERO));
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("exp", clock.instant().plusSeconds(20).getEpochSecond());
      endpoint.activate(OPAQUE, answer);
      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      clock.advance(Duration.ofSeconds(21));
      CountingServlets.HANDLED.clear();
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token expired");
      assertThat(endpoint.callCount()).isEqualTo(2);
    }

    @Test
    void cacheOff_asksTheEndpointForEveryRequest() {
      start(builder -> builder.introspectionCacheSize(0));
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));
      for (int i = 0; i < 3; i++) {
        assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      }
      assertThat(endpoint.callCount()).isEqualTo(3);
    }

    @Test
    void inactiveAnswer_isKeptForTheNegativeTtl() {
      start(builder -> builder.introspectionNegativeCacheTtl(Duration.ofSeconds(5)));
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is not active");
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is not active");
      assertThat(endpoint.callCount()).isEqualTo(1);
      clock.advance(Duration.ofSeconds(6));
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is not active");
      assertThat(endpoint.callCount()).isEqualTo(2);
    }

    @Test
    void concurrentIdenticalRequests_makeOneCall() {
      start();
      endpoint.activate(OPAQUE, activeAnswer("orders:read")).hold();
      int requests = 10;
      List<CompletableFuture<HttpResponse<String>>> responses = sendConcurrently(requests, i -> OPAQUE);
      Poll.until("every request joined the one call", () -> endpoint.inFlight() == 1
          && validator.introspectionHealth().get(0).cacheHits() == requests - 1);
      endpoint.release();

      responses.forEach(response -> assertThat(response.join().statusCode()).isEqualTo(200));
      assertThat(endpoint.callCount()).isEqualTo(1);
    }

    @Test
    void floodOfRandomOpaqueTokens_costsTheEndpointAtMostTheConcurrencyBound() {
      int bound = 4;
      start(builder -> builder.introspectionMaxConcurrency(bound));
      endpoint.hold();
      int requests = 40;
      List<CompletableFuture<HttpResponse<String>>> responses =
          sendConcurrently(requests, i -> "random-" + UUID.randomUUID());
      Poll.until("the bound is reached and every other request is answered", () -> endpoint.inFlight() == bound
          && responses.stream().filter(CompletableFuture::isDone).count() == requests - bound);
      List<HttpResponse<String>> refused = responses.stream().filter(CompletableFuture::isDone)
          .map(CompletableFuture::join).toList();
      refused.forEach(response -> {
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
      });
      endpoint.release();
      responses.forEach(response -> assertThat(response.join().statusCode()).isIn(401, 503));
      assertThat(endpoint.callCount()).isEqualTo(bound);
      assertThat(validator.introspectionHealth().get(0).refusedBusy()).isEqualTo(requests - bound);
      assertThat(CountingServlets.HANDLED).isEmpty();
    }
  }

  @Nested
  class SignedAnswers {
    private IntrospectionServer.Signing signing(SigningKey key, String type, String iss, String aud, long iat) {
      Map<String, Object> envelope = new LinkedHashMap<>();
      envelope.put("iss", iss);
      envelope.put("aud", aud);
      envelope.put("iat", iat);
      return new IntrospectionServer.Signing(key, type, envelope);
    }

    private IntrospectionServer.Signing good() {
      return signing(issuer.key(), "token-introspection+jwt", issuer.issuer(), IntrospectionServer.CLIENT_ID,
          clock.instant().getEpochSecond());
    }

    private void startRequiringSignatures() {
      start(builder -> builder.introspection(introspection().withSignedResponseRequired(true)));
    }

    @Test
    void signedAnswer_isVerifiedWithTheIssuersKeys_andAccepted() {
      startRequiringSignatures();
      endpoint.activate(OPAQUE, activeAnswer("orders:read")).sign(good());
      HttpResponse<String> response = api.get("/orders/1", OPAQUE);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("handler=Orders path=/orders/1 caller=orders-service");
      assertThat(endpoint.calls().get(0).accept()).isEqualTo("application/token-introspection+jwt");
    }

    @Test
    void signedInactiveAnswer_is401() {
      startRequiringSignatures();
      endpoint.sign(good());
      assertInvalidToken(api.get("/files/a", OPAQUE), "The access token is not active");
    }

    @Test
    void signedAnswer_isVerifiedEvenWhenNotRequired() {
      start();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"))
          .sign(signing(SigningKey.rsa("forger"), "token-introspection+jwt", issuer.issuer(),
              IntrospectionServer.CLIENT_ID, clock.instant().getEpochSecond()));
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void unsignedAnswer_isRefused_whenSignaturesAreRequired() {
      startRequiringSignatures();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"));
      assertUnavailable(api.get("/files/a", OPAQUE));
      assertThat(validator.introspectionHealth().get(0).lastError())
          .hasValueSatisfying(error -> assertThat(error).contains("introspection-require-signed"));
    }

    @Test
    void answerSignedWithAnotherKey_isRefused() {
      startRequiringSignatures();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"))
          .sign(signing(SigningKey.rsa("key-1"), "token-introspection+jwt", issuer.issuer(),
              IntrospectionServer.CLIENT_ID, clock.instant().getEpochSecond()));
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void answerForAnotherAudience_isRefused() {
      startRequiringSignatures();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"))
          .sign(signing(issuer.key(), "token-introspection+jwt", issuer.issuer(), "another-api",
              clock.instant().getEpochSecond()));
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void answerFromAnotherIssuer_isRefused() {
      startRequiringSignatures();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"))
          .sign(signing(issuer.key(), "token-introspection+jwt", "https://elsewhere.example.com",
              IntrospectionServer.CLIENT_ID, clock.instant().getEpochSecond()));
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void staleAnswer_isRefused() {
      startRequiringSignatures();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"))
          .sign(signing(issuer.key(), "token-introspection+jwt", issuer.issuer(), IntrospectionServer.CLIENT_ID,
              clock.instant().minusSeconds(120).getEpochSecond()));
      assertUnavailable(api.get("/files/a", OPAQUE));
    }

    @Test
    void signedJwtOfAnotherType_isRefused() {
      startRequiringSignatures();
      endpoint.activate(OPAQUE, activeAnswer("orders:read"))
          .sign(signing(issuer.key(), "at+jwt", issuer.issuer(), IntrospectionServer.CLIENT_ID,
              clock.instant().getEpochSecond()));
      assertUnavailable(api.get("/files/a", OPAQUE));
    }
  }

  @Nested
  class Discovery {
    @Test
    void endpoint_isReadFromTheIssuersMetadata() {
      validator = TokenValidator.create(TokenGateConfig.builder()
          .issuer(endpoint.issuer())
          .audiences("api")
          .clock(clock)
          .introspection(Introspection.withClient(IntrospectionServer.CLIENT_ID, IntrospectionServer.CLIENT_SECRET))
          .build());
      api = ApiServer.start(validator, Map.of("/files/*", CountingServlets.Files.class));
      Map<String, Object> answer = activeAnswer("orders:read");
      answer.put("iss", endpoint.issuer());
      endpoint.activate(OPAQUE, answer);

      assertThat(api.get("/files/a", OPAQUE).statusCode()).isEqualTo(200);
      assertThat(validator.introspectionHealth()).singleElement().satisfies(health -> {
        assertThat(health.endpoint()).hasValue(endpoint.endpoint());
        assertThat(health.reachable()).isTrue();
        assertThat(health.calls()).isEqualTo(1);
      });
    }
  }

  private List<CompletableFuture<HttpResponse<String>>> sendConcurrently(int count,
      java.util.function.IntFunction<String> token) {
    HttpClient client = HttpClient.newBuilder().executor(java.util.concurrent.Executors.newCachedThreadPool())
        .build();
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(api.url("/files/a")))
          .header("Authorization", "Bearer " + token.apply(i)).build();
      responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
    }
    return responses;
  }
}
