package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tokengate.IssuerHealth;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.JwksServer.Fault;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.StallingServer;
import dev.tokengate.testing.TestIssuer;
import dev.tokengate.testing.internal.Jose;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Hostile key servers, each a real server on loopback: no request waits past the documented bound ({@link
 * TokenGateConfig#jwksMaxWait()}: connect + read timeout + 0.25 s) whatever the server does, and service resumes by
 * itself once it behaves.
 */
class KeyServerDeadlineTest {
  private static final SigningKey KEY = SigningKey.rsa("key-1");
  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(250);
  private static final Duration READ_TIMEOUT = Duration.ofMillis(400);
  private static final Duration DRIP = Duration.ofMillis(300);
  /** The documented bound, plus what a loopback HTTP round trip to the API may take on a busy machine. */
  private static final Duration REQUEST_BOUND =
      CONNECT_TIMEOUT.plus(READ_TIMEOUT).plusMillis(250).plus(Duration.ofMillis(750));

  private final MutableClock clock = MutableClock.startingNow();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private TestIssuer issuer;
  private ApiServer api;

  @AfterEach
  void stop() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(resource);
    return resource;
  }

  private TokenGateConfig.Builder config(String jwksUri) {
    return TokenGateConfig.builder().issuer(issuer.issuer()).jwksUri(URI.create(jwksUri)).audiences("api")
        .jwksConnectTimeout(CONNECT_TIMEOUT).jwksReadTimeout(READ_TIMEOUT).clock(clock);
  }

  private void startApi(String jwksUri) {
    api = closeLater(ApiServer.start(config(jwksUri).build()));
  }

  private HttpResponse<String> timedCall() {
    long start = System.nanoTime();
    HttpResponse<String> response = api.get("/whoami", issuer.token().sign());
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    org.slf4j.LoggerFactory.getLogger(KeyServerDeadlineTest.class).info(
        "MEASURED wall time {} ms, status {} (connect 250 ms + read 400 ms: documented bound 900 ms)",
        elapsed.toMillis(), response.statusCode());
    assertThat(elapsed).as("time the request took").isLessThan(REQUEST_BOUND);
    return response;
  }

  private static void assertUnavailable(HttpResponse<String> response) {
    assertThat(response.statusCode()).as("status").isEqualTo(503);
    assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
        value -> assertThat(Long.parseLong(value)).isPositive());
  }

  private void assertResumes() {
    clock.advance(Duration.ofSeconds(61));
    Poll.until("a genuine token is accepted again", () -> timedCall().statusCode() == 200);
  }

  /** A healthy key server on the port a stalling one just released (binding again may take a moment). */
  private void startOn(int port) {
    JwksServer[] started = new JwksServer[1];
    Poll.until("port " + port + " is free again", () -> {
      try {
        started[0] = JwksServer.start(port);
        return true;
      } catch (IllegalStateException e) {
        return false;
      }
    });
    closeLater(started[0]).publish(KEY);
  }

  @Test
  void documentedBound_isConnectPlusReadTimeoutPlusAQuarterSecond() {
    assertThat(TokenGateConfig.builder().issuer("https://a.example").audiences("api").build().jwksMaxWait())
        .isEqualTo(Duration.ofMillis(7250));
  }

  @Test
  void headersDrippedAByteEvery300ms_areCutAtTheDeadline_thenServiceResumesOnThatPort() {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    StallingServer dripping = StallingServer.dripHeaders(DRIP);
    String jwksUri = dripping.url("/jwks");
    startApi(jwksUri);

    for (int i = 0; i < 3; i++) {
      assertUnavailable(timedCall());
    }
    assertThat(dripping.connections()).isPositive();

    int port = URI.create(jwksUri).getPort();
    dripping.close();
    startOn(port);
    assertResumes();
  }

  @Test
  void serverThatNeverAccepts_isCutAtTheDeadline_thenServiceResumesOnThatPort() {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    StallingServer silent = StallingServer.hangAtAccept();
    String jwksUri = silent.url("/jwks");
    startApi(jwksUri);

    for (int i = 0; i < 3; i++) {
      assertUnavailable(timedCall());
    }

    silent.close();
    startOn(URI.create(jwksUri).getPort());
    assertResumes();
  }

  @Test
  void bodyDrippedAByteEvery300ms_isCutAtTheDeadline_thenResumes() {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    issuer.server().dripBody(DRIP);
    startApi(issuer.server().jwksUri());

    for (int i = 0; i < 3; i++) {
      assertUnavailable(timedCall());
    }
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void hangAfterTheHeaders_isCutAtTheDeadline_thenResumes() {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    issuer.server().hangAfterHeaders(Duration.ofSeconds(30));
    startApi(issuer.server().jwksUri());

    for (int i = 0; i < 3; i++) {
      assertUnavailable(timedCall());
    }
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void redirectLoop_isCutAfterThreeRedirects_thenResumes() {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    issuer.server().fail("/jwks", Fault.redirect(issuer.server().jwksUri()));
    TokenValidator validator = closeLater(TokenValidator.create(config(issuer.server().jwksUri()).build()));
    api = closeLater(ApiServer.start(validator));

    assertUnavailable(timedCall());
    Poll.until("the failure is recorded", () -> validator.health().get(0).lastError().isPresent());
    assertThat(validator.health().get(0).lastError().orElseThrow()).contains("more than 3 redirects");
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void malformedKeyAmongGoodOnes_isDroppedWithOneWarning_andTheOthersServe() {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    String good = Jose.publicJwk(KEY).toJSONString();
    // An EC point off the P-256 curve, and a key whose use contradicts its key_ops: Nimbus refuses both.
    String offCurve = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"off-curve\","
        + "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\",\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}";
    String inconsistent = good.replace("\"kid\":\"key-1\"", "\"kid\":\"inconsistent\"")
        .replace("\"use\":\"sig\"", "\"use\":\"sig\",\"key_ops\":[\"encrypt\"]");
    issuer.server().publishRaw("{\"keys\":[" + offCurve + "," + inconsistent + "," + good + "]}");
    ch.qos.logback.classic.Logger keysLog =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.tokengate.internal.jwks.IssuerKeys");
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    keysLog.addAppender(events);
    try {
      TokenValidator validator = closeLater(TokenValidator.create(config(issuer.server().jwksUri()).build()));
      api = closeLater(ApiServer.start(validator));
      assertThat(timedCall().statusCode()).isEqualTo(200);
      IssuerHealth health = validator.health().get(0);
      assertThat(health.keysLoaded()).isEqualTo(1);

      // A second fetch of the same document warns no more.
      clock.advance(Duration.ofMinutes(4));
      Poll.until("the background refresh", () -> issuer.server().jwksRequests() >= 2
          && validator.health().get(0).lastSuccessfulFetch().orElseThrow().equals(truncated(clock.instant())));
      List<String> warnings = events.list.stream().filter(event -> event.getLevel() == Level.WARN)
          .map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(warnings).hasSize(2);
      assertThat(warnings).anySatisfy(warning -> assertThat(warning).contains("kid=off-curve"));
      assertThat(warnings).anySatisfy(warning -> assertThat(warning).contains("kid=inconsistent"));
      assertThat(warnings).allSatisfy(warning -> assertThat(warning).startsWith(
          "Ignoring a malformed key in the JWKS of issuer " + issuer.issuer()).endsWith("; the other keys serve"));
    } finally {
      keysLog.detachAppender(events);
    }
  }

  private static Instant truncated(Instant instant) {
    return Instant.ofEpochMilli(instant.toEpochMilli());
  }

  @Test
  void fiveHangingIssuers_starveNeitherTheScheduleNorAHealthyIssuer_andEachCallerIsAnsweredWithinTheBound()
      throws Exception {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    issuer.server().cacheControl("max-age=60");
    List<TrustedIssuer> hanging = new ArrayList<>();
    List<TestIssuer> hangingIssuers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      TestIssuer other = closeLater(TestIssuer.start(KEY, clock));
      other.server().hangAfterHeaders(Duration.ofSeconds(60));
      hangingIssuers.add(other);
      hanging.add(new TrustedIssuer(other.issuer(), List.of("api"), Optional.of(URI.create(other.server().jwksUri()))));
    }
    TokenValidator validator = closeLater(TokenValidator.create(config(issuer.server().jwksUri())
        .trustedIssuers(hanging).build()));
    api = closeLater(ApiServer.start(validator));
    Poll.until("the healthy issuer's keys", () -> validator.health().get(0).keysLoaded() == 1);

    // The healthy issuer is refreshed on schedule (max-age 60 s: at 45 s) while the others hang, again and again.
    for (int round = 1; round <= 3; round++) {
      int before = issuer.server().jwksRequests();
      clock.advance(Duration.ofSeconds(46));
      Instant now = truncated(clock.instant());
      Poll.until("refresh " + round + " of the healthy issuer", () -> issuer.server().jwksRequests() > before
          && validator.health().get(0).lastSuccessfulFetch().orElseThrow().equals(now));
    }
    assertThat(timedCall().statusCode()).isEqualTo(200);

    ExecutorService callers = Executors.newFixedThreadPool(10);
    try {
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (TestIssuer other : hangingIssuers) {
        for (int i = 0; i < 2; i++) {
          String token = other.token().sign();
          answers.add(callers.submit(timed(() -> api.get("/whoami", token))));
        }
      }
      for (Future<HttpResponse<String>> answer : answers) {
        assertUnavailable(answer.get(10, TimeUnit.SECONDS));
      }
    } finally {
      callers.shutdownNow();
    }
  }

  private static <T> Callable<T> timed(Callable<T> call) {
    return () -> {
      long start = System.nanoTime();
      T result = call.call();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(REQUEST_BOUND);
      return result;
    };
  }

  /** A clock that throws an Error on the fetch threads when armed: the one way to make loading throw an Error. */
  private static final class ErrorOnFetchClock extends Clock {
    private final Clock delegate;
    volatile boolean armed = true;

    ErrorOnFetchClock(Clock delegate) {
      this.delegate = delegate;
    }

    @Override
    public ZoneId getZone() {
      return delegate.getZone();
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public long millis() {
      if (armed && Thread.currentThread().getName().contains("-fetch-")) {
        throw new AssertionError("an Error while loading keys");
      }
      return delegate.millis();
    }
  }

  @Test
  void errorWhileLoading_endsTheWaitOfEveryJoiner_atOnce_andLoadingRecovers() throws Exception {
    issuer = closeLater(TestIssuer.start(KEY, clock));
    ErrorOnFetchClock failing = new ErrorOnFetchClock(clock);
    // A long read timeout: a joiner left waiting on an uncompleted future would wait over 5 s.
    TokenValidator validator = closeLater(TokenValidator.create(config(issuer.server().jwksUri())
        .jwksReadTimeout(Duration.ofSeconds(5)).clock(failing).build()));

    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      try {
        validator.validate(issuer.token().sign());
        throw new AssertionError("validated without keys");
      } catch (KeysUnavailableException e) {
        assertThat(e.reason()).isEqualTo(KeysUnavailableException.Reason.KEYS_UNAVAILABLE);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    failing.armed = false;
    clock.advance(Duration.ofSeconds(61));
    Poll.until("the keys load", () -> validator.health().get(0).keysLoaded() == 1);
    assertThat(validator.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
  }
}
