package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.JwksServer.Fault;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JWKS lifecycle against a real JWKS server on loopback that is rotated, broken, slowed down and counted: caching
 * and refresh-ahead, unknown kids (single-flight, rate limit), outages, rotation and removal, discovery, 503s.
 */
class JwksResilienceTest {
  private static final Logger log = LoggerFactory.getLogger(JwksResilienceTest.class);
  // RSA key generation is slow: every test shares these.
  private static final SigningKey KEY_1 = SigningKey.rsa("key-1");
  private static final SigningKey KEY_2 = SigningKey.rsa("key-2");

  private final MutableClock clock = MutableClock.startingNow();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private TestIssuer issuer;

  @BeforeEach
  void startIssuer() {
    issuer = closeLater(TestIssuer.start(KEY_1, clock));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(resource);
    return resource;
  }

  private JwksServer server() {
    return issuer.server();
  }

  private TokenGateConfig.Builder config() {
    return TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .jwksUri(URI.create(server().jwksUri()))
        .audiences("api")
        .clock(clock);
  }

  /** A validator whose start-up load has finished, with the request counts then reset. */
  private TokenValidator loadedValidator(TokenGateConfig.Builder config) {
    TokenValidator validator = closeLater(TokenValidator.create(config.build()));
    Poll.until("the start-up load finished", () -> validator.health().get(0).keysLoaded() > 0);
    server().resetCounts();
    return validator;
  }

  /** Waits until the {@code n}th JWKS request since the reset was made and its keys are in place. */
  private void awaitFetchNow(TokenValidator validator, int n) {
    Instant now = Instant.ofEpochMilli(clock.millis());
    Poll.until("JWKS fetch " + n + " at " + now, () -> server().jwksRequests() == n
        && health(validator).lastSuccessfulFetch().filter(now::equals).isPresent());
  }

  private static IssuerHealth health(TokenValidator validator) {
    return validator.health().get(0);
  }

  private static void assertUnknownKey(ThrowingValidation validation) {
    assertThatThrownBy(validation::run)
        .isInstanceOf(TokenRejectedException.class)
        .hasMessageContaining("The access token was signed with an unknown key");
  }

  interface ThrowingValidation {
    void run() throws Exception;
  }

  @Nested
  class CacheLifetime {
    @Test
    void keys_areLoadedAtStartUp_andServedFromCache() throws Exception {
      TokenValidator validator = loadedValidator(config());

      for (int i = 0; i < 20; i++) {
        assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
      }
      assertThat(server().jwksRequests()).isZero();
      IssuerHealth health = health(validator);
      assertThat(health.keysLoaded()).isEqualTo(1);
      assertThat(health.jwksUri()).hasValue(URI.create(server().jwksUri()));
      assertThat(health.lastSuccessfulFetch()).hasValue(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
      assertThat(health.lastError()).isEmpty();
      assertThat(health.stale()).isFalse();
    }

    @Test
    void refreshAhead_fetchesBeforeExpiry_andNoRequestWaitsForIt() throws Exception {
      TokenValidator validator = loadedValidator(config());
      Instant firstFetch = health(validator).lastSuccessfulFetch().orElseThrow();

      // Default TTL 5 min, refreshed at three quarters of it: 3m45s. Still a minute before expiry.
      clock.advance(Duration.ofMinutes(4));
      Poll.until("the background refresh", () -> server().jwksRequests() == 1);
      Poll.until("the refreshed keys are in place",
          () -> health(validator).lastSuccessfulFetch().orElseThrow().isAfter(firstFetch));
      assertThat(health(validator).stale()).isFalse();

      // The next refresh hangs; requests meanwhile are answered from the keys in hand, not held up by it.
      Instant secondFetch = health(validator).lastSuccessfulFetch().orElseThrow();
      server().jwksDelay(Duration.ofSeconds(4));
      clock.advance(Duration.ofMinutes(4));
      Poll.until("the second background refresh started", () -> server().jwksRequests() == 2);
      for (int i = 0; i < 10; i++) {
        assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
      }
      assertThat(health(validator).lastSuccessfulFetch()).as("the refresh is still under way").hasValue(secondFetch);
    }

    @Test
    void cacheControlMaxAge_setsTheLifetime() {
      server().cacheControl("public, max-age=120");
      TokenValidator validator = loadedValidator(config());

      // 120 s, refreshed at 90 s, where the default 5 min would wait until 225 s.
      clock.advance(Duration.ofSeconds(95));
      Poll.until("a refresh after 90 s", () -> server().jwksRequests() == 1);
      assertThat(health(validator).lastError()).isEmpty();
    }

    @Test
    void cacheControlMaxAge_isClampedToTheConfiguredRange() {
      server().cacheControl("max-age=5");
      TokenValidator validatorUnderTest = loadedValidator(config().jwksMinCacheTtl(Duration.ofSeconds(60)).jwksMaxCacheTtl(Duration.ofMinutes(10)));

      TokenValidator validator = validatorUnderTest;
      // 5 s is raised to 60 s: nothing at 30 s, a refresh at 45 s.
      clock.advance(Duration.ofSeconds(30));
      Poll.severalRefresherTicks();
      assertThat(server().jwksRequests()).isZero();
      clock.advance(Duration.ofSeconds(16));
      awaitFetchNow(validator, 1);

      // A day is lowered to 10 min: refreshed at 7.5 min, not 18 h.
      server().cacheControl("max-age=86400");
      clock.advance(Duration.ofSeconds(46));
      awaitFetchNow(validator, 2);
      clock.advance(Duration.ofMinutes(8));
      awaitFetchNow(validator, 3);
    }
  }

  @Nested
  class UnknownKid {
    @Test
    void rotatedKey_isPickedUpByOneRefresh() throws Exception {
      TokenValidator validator = loadedValidator(config());
      issuer.rotate(KEY_2);

      assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
      assertThat(server().jwksRequests()).isEqualTo(1);
      assertThat(health(validator).keysLoaded()).isEqualTo(2);
    }

    @Test
    void thousandConcurrentRequestsWithANewKid_throughTheFilter_causeExactlyOneFetch() throws Exception {
      ApiServer api = closeLater(ApiServer.start(config().build()));
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      server().resetCounts();
      issuer.rotate(KEY_2);
      // A slow JWKS widens the window in which requests pile up behind the one fetch.
      server().jwksDelay(Duration.ofMillis(300));
      String token = issuer.token().sign();

      int requests = 1000;
      List<Integer> statuses = concurrently(requests, 100, () -> api.get("/whoami", token).statusCode());

      log.info("MEASURED single-flight: {} concurrent requests with a new kid caused {} JWKS fetch(es)", requests,
          server().jwksRequests());
      assertThat(statuses).hasSize(requests).containsOnly(200);
      assertThat(server().jwksRequests()).isEqualTo(1);
    }

    @Test
    void floodOfRandomKids_costsAtMostBurstPlusOneFetchPerInterval_andIsAnsweredWithoutWaiting() throws Exception {
      ApiServer api = closeLater(ApiServer.start(config().build()));
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      server().resetCounts();

      int perWave = 400;
      List<HttpResponse<String>> first = flood(api, perWave);
      int afterFirst = server().jwksRequests();

      // Within the interval no request may fetch: were one to, it would hang on this JWKS, not be answered at once.
      server().fail("/jwks", Fault.hang(Duration.ofSeconds(30)));
      clock.advance(Duration.ofSeconds(29));
      long start = System.nanoTime();
      List<HttpResponse<String>> second = flood(api, perWave);
      Duration secondWave = Duration.ofNanos(System.nanoTime() - start);
      int afterSecond = server().jwksRequests();

      // At 30 s the refresh scheduled for the refused kids runs, by itself; the next wave meets a spent bucket again.
      server().heal();
      clock.advance(Duration.ofSeconds(2));
      Poll.until("the scheduled refresh", () -> server().jwksRequests() == afterSecond + 1);
      List<HttpResponse<String>> third = flood(api, perWave);
      int afterThird = server().jwksRequests();

      log.info("MEASURED rate limit (burst 2, 30 s): {} random-kid requests per wave; JWKS fetches after wave 1"
          + " (t=0): {}, after wave 2 (t=29s): {} (wave took {} ms), after wave 3 (t=31s): {}", perWave, afterFirst,
          afterSecond, secondWave.toMillis(), afterThird);
      assertThat(afterFirst).isBetween(1, 2);
      assertThat(afterSecond).isEqualTo(afterFirst);
      assertThat(afterThird).isEqualTo(afterFirst + 1).isLessThanOrEqualTo(3);
      assertThat(secondWave).isLessThan(Duration.ofSeconds(5));
      for (List<HttpResponse<String>> wave : List.of(first, second, third)) {
        assertThat(wave).allSatisfy(response -> {
          if (response.statusCode() == 401) {
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
                + " error=\"invalid_token\", error_description=\"The access token was signed with an unknown key\"");
          } else {
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(Integer.parseInt(response.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 30);
          }
        });
      }
      // Tokens with the known key pass throughout.
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
    }

    @Test
    void rateLimit_isConfigurable_andAKidStillUnknownAfterTheScheduledRefreshIs401() throws Exception {
      TokenValidator validator = loadedValidator(config().jwksRefreshRateLimit(Duration.ofMinutes(2))
          .jwksRefreshBurst(1));

      assertUnknownKey(() -> validator.validate(issuer.token().kid("forged-1").sign()));
      assertThat(server().jwksRequests()).isEqualTo(1);
      clock.advance(Duration.ofSeconds(90));
      String forged2 = issuer.token().kid("forged-2").sign();
      KeysUnavailableException pending = catchThrowableOfType(KeysUnavailableException.class,
          () -> validator.validate(forged2));
      assertThat(pending.reason()).isEqualTo(KeysUnavailableException.Reason.KEY_REFRESH_PENDING);
      assertThat(pending.retryAfter()).isEqualTo(Duration.ofSeconds(30));
      Poll.severalRefresherTicks();
      assertThat(server().jwksRequests()).isEqualTo(1);

      clock.advance(Duration.ofSeconds(30));
      Poll.until("the scheduled refresh", () -> server().jwksRequests() == 2);
      awaitFetchNow(validator, 2);
      assertUnknownKey(() -> validator.validate(forged2));
      assertThat(server().jwksRequests()).isEqualTo(2);
    }

    @Test
    void removedKey_stopsPassing_afterTheNextRefresh() throws Exception {
      server().publish(KEY_1, KEY_2);
      TokenValidator validator = loadedValidator(config());
      String signedWithKey2 = issuer.tokenSignedWith(KEY_2).sign();
      assertThat(validator.validate(signedWithKey2).clientId()).isEqualTo("orders-service");

      server().publish(KEY_1);
      clock.advance(Duration.ofMinutes(4));
      Poll.until("the refresh that drops key-2", () -> health(validator).keysLoaded() == 1);

      assertUnknownKey(() -> validator.validate(issuer.tokenSignedWith(KEY_2).sign()));
      assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
    }

    @Test
    void unknownKid_whileTheKeyServerIsDown_is503_retryAfterTheRateLimit() {
      ApiServer api = closeLater(ApiServer.start(config().jwksRefreshBurst(1).build()));
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      server().stop();

      HttpResponse<String> response = api.get("/whoami", issuer.tokenSignedWith(KEY_2).sign());

      assertUnavailable(response, "30");
      // With the default burst of 2, one more refresh may run at once: the retry is due after the back-off.
      ApiServer bursting = closeLater(ApiServer.start(config().build()));
      assertUnavailable(bursting.get("/whoami", issuer.tokenSignedWith(KEY_2).sign()), null);
      // Known keys keep working meanwhile.
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
    }
  }

  static Stream<Arguments> outages() {
    return Stream.of(
        Arguments.of("connection refused", (java.util.function.Consumer<JwksServer>) JwksServer::stop, "Connection refused"),
        Arguments.of("HTTP 503", fault(Fault.status(503)), "answered HTTP 503"),
        Arguments.of("hang past the read timeout", fault(Fault.hang(Duration.ofSeconds(20))), "timed out"),
        Arguments.of("malformed JSON", fault(Fault.body(200, "application/json", "{\"keys\":[")), "did not return a JWK set"),
        Arguments.of("10 MB body", fault(Fault.huge(10 * 1024 * 1024)), "limit of 524288"),
        Arguments.of("empty key set", fault(Fault.body(200, "application/json", "{\"keys\":[]}")), "holds no usable signing key"),
        Arguments.of("redirect to another host", fault(Fault.redirect("http://localhost:1/jwks")), "another origin"));
  }

  private static java.util.function.Consumer<JwksServer> fault(Fault fault) {
    return server -> server.fail("/jwks", fault);
  }

  @Nested
  class Outages {
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.tokengate.JwksResilienceTest#outages")
    void validTokens_keepPassingThroughAnOutage_andTheNewSetIsUsedOnRecovery(
        String outage, java.util.function.Consumer<JwksServer> breakIt, String error) throws Exception {
      TokenValidator validator = loadedValidator(config().jwksReadTimeout(Duration.ofMillis(300)));
      breakIt.accept(server());

      // Past expiry: the background refresh fails, the last good keys keep serving.
      clock.advance(Duration.ofMinutes(6));
      Poll.until("the failed refresh is recorded", () -> health(validator).lastError().isPresent());
      assertThat(health(validator).lastError().orElseThrow()).contains(error);
      assertThat(health(validator).stale()).isTrue();
      assertThat(health(validator).keysLoaded()).isEqualTo(1);
      for (int i = 0; i < 5; i++) {
        assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
      }

      // The server comes back with a rotated set; the retry (after its back-off) brings it in at once.
      if (outage.equals("connection refused")) {
        server().restart();
      }
      server().heal();
      server().publish(KEY_2);
      clock.advance(Duration.ofMinutes(1));
      Poll.until("the recovery", () -> health(validator).lastError().isEmpty());
      assertThat(health(validator).stale()).isFalse();
      assertThat(validator.validate(issuer.tokenSignedWith(KEY_2).sign()).clientId()).isEqualTo("orders-service");
      assertUnknownKey(() -> validator.validate(issuer.token().sign()));
    }

    @Test
    void retries_backOff_andRetryAfterSaysWhenTheNextOneIs() {
      server().fail("/jwks", Fault.status(500));
      TokenValidator validator = closeLater(TokenValidator.create(config().build()));
      Poll.until("the failed start-up load", () -> server().jwksRequests() == 1);

      // Back-off 1 s, 2 s, 4 s, 8 s: a retry only once each has passed, and requests meanwhile are told so.
      int[] waits = {1, 2, 4, 8};
      for (int i = 0; i < waits.length; i++) {
        int attempts = i + 1;
        KeysUnavailableException failure = catchThrowableOfType(KeysUnavailableException.class,
            () -> validator.validate(issuer.token().sign()));
        assertThat(failure.retryAfter()).isEqualTo(Duration.ofSeconds(waits[i]));
        clock.advance(Duration.ofSeconds(waits[i]).minusMillis(100));
        Poll.severalRefresherTicks();
        assertThat(server().jwksRequests()).as("no retry before %ss", waits[i]).isEqualTo(attempts);
        clock.advance(Duration.ofMillis(100));
        Poll.until("retry " + attempts, () -> server().jwksRequests() == attempts + 1);
      }
      assertThat(health(validator).keysLoaded()).isZero();
    }

    @Test
    void anOutage_isLoggedOnce_andItsEndOnce() throws Exception {
      ch.qos.logback.classic.Logger keysLog = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
          "dev.tokengate.internal.jwks.IssuerKeys");
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> events =
          new ch.qos.logback.core.read.ListAppender<>();
      events.start();
      keysLog.addAppender(events);
      try {
        TokenValidator validator = loadedValidator(config());
        server().fail("/jwks", Fault.status(503));
        clock.advance(Duration.ofMinutes(6));
        for (int attempt = 1; attempt <= 3; attempt++) {
          int expected = attempt;
          Poll.until("failed attempt " + attempt, () -> server().jwksRequests() == expected);
          for (int i = 0; i < 10; i++) {
            validator.validate(issuer.token().sign());
          }
          clock.advance(Duration.ofMinutes(1));
        }
        server().heal();
        Poll.until("the recovery", () -> health(validator).lastError().isEmpty());

        List<String> warnings = events.list.stream()
            .filter(event -> event.getLevel() == ch.qos.logback.classic.Level.WARN)
            .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).startsWith("Cannot refresh the signing keys of issuer " + issuer.issuer()
            + ": " + server().jwksUri() + " answered HTTP 503; the last good keys keep serving until ");
        assertThat(events.list).filteredOn(event -> event.getFormattedMessage().contains("is reachable again"))
            .hasSize(1);
      } finally {
        keysLog.detachAppender(events);
      }
    }

    @Test
    void keysOlderThanTheMaximumStaleness_areDropped_with503() throws Exception {
      ApiServer api = closeLater(ApiServer.start(config().jwksMaxStaleness(Duration.ofHours(1)).build()));
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      server().stop();

      clock.advance(Duration.ofMinutes(5).plus(Duration.ofMinutes(59)));
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      clock.advance(Duration.ofMinutes(2));
      HttpResponse<String> response = api.get("/whoami", issuer.token().sign());
      assertUnavailable(response, null);

      server().restart();
      clock.advance(Duration.ofMinutes(1));
      Poll.until("recovered", () -> api.get("/whoami", issuer.token().sign()).statusCode() == 200);
    }
  }

  @Nested
  class NeverLoaded {
    @Test
    void discoveryFailingAtStartUp_is503WithRetryAfter_andRecoversByItself() {
      server().fail("/.well-known/openid-configuration", Fault.status(503));
      server().fail("/.well-known/oauth-authorization-server", Fault.status(503));
      ApiServer api = closeLater(ApiServer.start(TokenGateConfig.builder()
          .issuer(issuer.issuer()).audiences("api").clock(clock).build()));

      HttpResponse<String> response = api.get("/whoami", issuer.token().sign());
      assertUnavailable(response, null);
      // Once per back-off step, not per request: these are refused without another attempt.
      int attempts = server().requests("/.well-known/openid-configuration");
      for (int i = 0; i < 20; i++) {
        assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(503);
      }
      assertThat(server().requests("/.well-known/openid-configuration")).isEqualTo(attempts);

      assertThat(attempts).isPositive();

      server().heal();
      clock.advance(Duration.ofMinutes(1));
      Poll.until("the background retry loaded the keys",
          () -> api.get("/whoami", issuer.token().sign()).statusCode() == 200);
    }

    @Test
    void validator_startsWithoutTheKeyServer_andReportsIt() {
      server().stop();
      TokenValidator validator = closeLater(TokenValidator.create(config().build()));

      Poll.until("the failed start-up load", () -> health(validator).lastError().isPresent());
      IssuerHealth health = health(validator);
      assertThat(health.keysLoaded()).isZero();
      assertThat(health.lastSuccessfulFetch()).isEmpty();
      assertThat(health.stale()).isFalse();
      KeysUnavailableException failure = catchThrowableOfType(KeysUnavailableException.class,
          () -> validator.validate(issuer.token().sign()));
      assertThat(failure.retryAfter()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(60));
    }
  }

  static Stream<Arguments> discoveryFailures() {
    String notJson = "<html>sign in</html>";
    return Stream.of(
        Arguments.of("both documents 404", Fault.status(404), "answered HTTP 404"),
        Arguments.of("not JSON", Fault.body(200, "text/html", notJson), "is not a JSON object"),
        Arguments.of("no jwks_uri", Fault.body(200, "application/json", "{\"issuer\":\"%s\"}"), "has no jwks_uri"),
        Arguments.of("jwks_uri not http", Fault.body(200, "application/json",
            "{\"issuer\":\"%s\",\"jwks_uri\":\"file:///etc/passwd\"}"), "not an http(s) URL"),
        Arguments.of("redirect to another host", Fault.redirect("http://localhost:1/x"), "another origin"),
        Arguments.of("hang past the read timeout", Fault.hang(Duration.ofSeconds(20)), "timed out"));
  }

  @Nested
  class Discovery {
    private TokenGateConfig.Builder discovering() {
      return TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").clock(clock)
          .jwksReadTimeout(Duration.ofMillis(300));
    }

    @Test
    void connectionRefused_is503_thenRecoversByItself() throws Exception {
      server().stop();
      TokenValidator validator = closeLater(TokenValidator.create(discovering().build()));

      assertThatThrownBy(() -> validator.validate(issuer.token().sign()))
          .isInstanceOf(KeysUnavailableException.class);
      assertThat(health(validator).lastError().orElseThrow())
          .startsWith("Discovery failed for issuer").contains("Connection refused");

      server().restart();
      clock.advance(Duration.ofSeconds(2));
      Poll.until("the background retry", () -> health(validator).keysLoaded() == 1);
      assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
    }

    @Test
    void openIdConfiguration_givesTheJwksUri() throws Exception {
      TokenValidator validator = closeLater(TokenValidator.create(discovering().build()));

      assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
      assertThat(server().requests("/.well-known/openid-configuration")).isEqualTo(1);
      assertThat(server().requests("/.well-known/oauth-authorization-server")).isZero();
      assertThat(health(validator).jwksUri()).hasValue(URI.create(server().jwksUri()));
    }

    @Test
    void withoutOpenIdConfiguration_rfc8414MetadataIsUsed() throws Exception {
      server().fail("/.well-known/openid-configuration", Fault.status(404));
      TokenValidator validator = closeLater(TokenValidator.create(discovering().build()));

      assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
      assertThat(server().requests("/.well-known/oauth-authorization-server")).isEqualTo(1);
    }

    @Test
    void documentNamingAnotherIssuer_isNotTrusted() {
      server().discoveryIssuer("http://evil.example");
      TokenValidator validator = closeLater(TokenValidator.create(discovering().build()));

      assertThatThrownBy(() -> validator.validate(issuer.token().sign()))
          .isInstanceOf(KeysUnavailableException.class);
      assertThat(health(validator).lastError().orElseThrow())
          .contains("names issuer 'http://evil.example', not the configured '" + issuer.issuer() + "'");
      assertThat(server().jwksRequests()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.tokengate.JwksResilienceTest#discoveryFailures")
    void failure_is503_thenRecoversByItself(String failure, Fault fault, String error) throws Exception {
      Fault withIssuer = new Fault(fault.status(), fault.contentType(), fault.body().replace("%s", issuer.issuer()),
          fault.delay(), fault.headers());
      server().fail("/.well-known/openid-configuration", withIssuer);
      server().fail("/.well-known/oauth-authorization-server", withIssuer);
      TokenValidator validator = closeLater(TokenValidator.create(discovering().build()));

      assertThatThrownBy(() -> validator.validate(issuer.token().sign()))
          .isInstanceOf(KeysUnavailableException.class);
      assertThat(health(validator).lastError().orElseThrow()).startsWith("Discovery failed for issuer").contains(error);
      assertThat(health(validator).jwksUri()).isEmpty();
      assertThat(server().jwksRequests()).isZero();

      server().heal();
      clock.advance(Duration.ofSeconds(2));
      Poll.until("the background retry", () -> health(validator).keysLoaded() == 1);
      assertThat(health(validator).jwksUri()).hasValue(URI.create(server().jwksUri()));
      assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
    }
  }

  @Test
  void close_stopsTheBackgroundThreads() {
    java.util.Set<Thread> before = jwksThreads();
    TokenValidator validator = TokenValidator.create(config().build());
    Poll.until("keys loaded", () -> health(validator).keysLoaded() == 1);
    java.util.Set<Thread> mine = jwksThreads();
    mine.removeAll(before);
    assertThat(mine).isNotEmpty().allSatisfy(thread -> assertThat(thread.isDaemon()).isTrue());

    server().resetCounts();
    validator.close();

    // close() joins its threads: they have ended when it returns.
    assertThat(mine).noneMatch(Thread::isAlive);
    KeysUnavailableException refused = catchThrowableOfType(KeysUnavailableException.class,
        () -> validator.validate(issuer.token().sign()));
    assertThat(refused.reason()).isEqualTo(KeysUnavailableException.Reason.VALIDATOR_CLOSED);
    assertThat(refused).hasMessageContaining("closed");
    clock.advance(Duration.ofHours(1));
    Poll.severalRefresherTicks();
    assertThat(server().jwksRequests()).as("a closed validator fetches nothing").isZero();
    assertThat(health(validator).keysLoaded()).isZero();
  }

  @Test
  void close_duringAHangingFetch_returnsWithinItsBound_andEndsTheFetch() {
    server().hangAfterHeaders(Duration.ofSeconds(60));
    java.util.Set<Thread> before = jwksThreads();
    TokenValidator validator = TokenValidator.create(config().jwksReadTimeout(Duration.ofSeconds(30)).build());
    Poll.until("the start-up fetch is under way", () -> server().jwksRequests() == 1);
    java.util.Set<Thread> mine = jwksThreads();
    mine.removeAll(before);

    long start = System.nanoTime();
    validator.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isLessThan(Duration.ofSeconds(2));
    assertThat(mine).isNotEmpty().noneMatch(Thread::isAlive);
  }

  private static java.util.Set<Thread> jwksThreads() {
    java.util.Set<Thread> threads = new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
    threads.removeIf(thread -> !thread.getName().startsWith("tokengate-jwks-"));
    return threads;
  }

  /** {@code count} requests at once, each with a token signed by the known key under a random, unknown kid. */
  private List<HttpResponse<String>> flood(ApiServer api, int count) throws Exception {
    // As an attacker would: a real token's claims and signature under a made-up header. Built beforehand, so that
    // the requests arrive together rather than paced by RSA signing.
    String[] genuine = issuer.token().sign().split("\\.");
    java.util.Queue<String> tokens = new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int i = 0; i < count; i++) {
      String header = "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + UUID.randomUUID() + "\"}";
      tokens.add(java.util.Base64.getUrlEncoder().withoutPadding()
          .encodeToString(header.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + genuine[1] + "."
          + genuine[2]);
    }
    return concurrently(count, 50, () -> api.get("/whoami", tokens.remove()));
  }

  static void assertUnavailable(HttpResponse<String> response, String retryAfter) {
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    String header = response.headers().firstValue("Retry-After").orElseThrow();
    if (retryAfter != null) {
      assertThat(header).isEqualTo(retryAfter);
    } else {
      assertThat(Integer.parseInt(header)).isBetween(1, 60);
    }
    assertThat(response.body()).isEqualTo("{\"error\":\"temporarily_unavailable\",\"error_description\":"
        + "\"The access token could not be checked because the issuer's signing keys are unavailable\"}");
  }

  /** Runs {@code count} calls on {@code threads} threads released together; bounded in time. */
  static <T> List<T> concurrently(int count, int threads, Supplier<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        futures.add(pool.submit(() -> {
          start.await();
          return call.get();
        }));
      }
      start.countDown();
      List<T> results = new ArrayList<>(count);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (Future<T> future : futures) {
        results.add(future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
