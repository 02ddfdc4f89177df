package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.internal.Jose;
import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.JwksServer.Fault;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults of the key server, served by the real {@link JwksServer}: for each, what the filter answers (503 only when no
 * usable key exists), that no request waits longer than the configured timeouts allow, that no thread is left
 * fetching, and that service resumes once the fault is gone.
 */
class JwksFaultTest {
  private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(250);
  private static final Duration READ_TIMEOUT = Duration.ofMillis(400);
  /**
   * The documented bound (a key load, discovery included, ends within connect + read timeout; a caller waits at most
   * that plus 0.25 s), plus a generous margin for the HTTP round trip on a busy machine. Far below the 10 s the
   * hanging server holds on.
   */
  private static final Duration REQUEST_BOUND =
      CONNECT_TIMEOUT.plus(READ_TIMEOUT).plusMillis(250).plus(Duration.ofSeconds(1));

  @RegisterExtension
  static final LogCapture logs = new LogCapture();

  private final MutableClock clock = MutableClock.startingNow();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private TestIssuer issuer;
  private ApiServer api;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T resource) {
    resources.add(0, resource);
    return resource;
  }

  private void start(UnaryOperator<TokenGateConfig.Builder> settings) {
    start(settings, server -> {});
  }

  /**
   * Starts the issuer, breaks it, then starts the API: keys are loaded in the background as the filter starts, so a
   * fault must be in place before, or the first fetch would already have succeeded.
   */
  private void start(UnaryOperator<TokenGateConfig.Builder> settings, Consumer<JwksServer> fault) {
    issuer = closeLater(TestIssuer.start(SigningKey.rsa("key-1"), clock));
    fault.accept(issuer.server());
    startApi(settings);
  }

  private void startApi(UnaryOperator<TokenGateConfig.Builder> settings) {
    api = closeLater(ApiServer.start(settings.apply(TokenGateConfig.builder().issuer(issuer.issuer())
        .audiences("api").jwksConnectTimeout(CONNECT_TIMEOUT).jwksReadTimeout(READ_TIMEOUT).clock(clock)).build()));
  }

  private TokenGateConfig.Builder withJwksUri(TokenGateConfig.Builder builder) {
    return builder.jwksUri(URI.create(issuer.server().jwksUri()));
  }

  /** Calls the API and checks that the request thread was not held past the bound. */
  private HttpResponse<String> timedCall(String token) {
    long start = System.nanoTime();
    HttpResponse<String> response = api.get("/whoami", logs.secret(token));
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertThat(elapsed).as("time the request took").isLessThan(REQUEST_BOUND);
    return response;
  }

  private static void assertUnavailable(HttpResponse<String> response) {
    assertThat(response.statusCode()).as("status").isEqualTo(503);
    assertThat(response.headers().firstValue("WWW-Authenticate")).as("no challenge: not the client's fault").isEmpty();
    assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
        value -> assertThat(Long.parseLong(value)).isPositive());
    assertThat(response.body()).contains("\"error\":\"temporarily_unavailable\"");
  }

  private static void assertInvalidToken(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).as("status").isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + description + "\"");
  }

  private void assertServes() {
    HttpResponse<String> response = timedCall(issuer.token().sign());
    assertThat(response.statusCode()).as("status").isEqualTo(200);
  }

  /**
   * After a fault is removed: failed fetches are retried with back-off (1 s doubling to 1 min, by the injected
   * clock), so the clock is moved past the longest back-off; then service must resume, by the background refresher
   * or by the next request, within the bounded poll.
   */
  private void assertResumes() {
    clock.advance(Duration.ofSeconds(61));
    Poll.until("a genuine token is accepted again", () -> timedCall(issuer.token().sign()).statusCode() == 200);
  }

  /** No thread may still be inside a key fetch once every request has been answered. */
  private static void assertNoThreadLeftFetching() throws InterruptedException {
    long deadline = System.nanoTime() + REQUEST_BOUND.toNanos();
    List<String> fetching;
    do {
      fetching = Thread.getAllStackTraces().entrySet().stream()
          .filter(e -> Arrays.stream(e.getValue()).anyMatch(frame ->
              frame.getClassName().startsWith("dev.tokengate.internal.jwks.")))
          .map(e -> e.getKey().getName())
          .toList();
      if (fetching.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    assertThat(fetching).as("threads still inside a key fetch").isEmpty();
  }

  @Test
  void connectionRefused_is503_andServiceResumesWhenTheServerIsBack() {
    start(this::withJwksUri, JwksServer::close);
    int port = issuer.server().port();
    assertUnavailable(timedCall(issuer.token().sign()));
    assertUnavailable(timedCall(issuer.token().sign()));
    JwksServer back = closeLater(JwksServer.start(port)).publish(issuer.key());
    assertResumes();
    assertThat(back.jwksRequests()).isPositive();
  }

  @Test
  void status500_is503_thenResumes() {
    start(this::withJwksUri, server -> server.fail("/jwks", Fault.status(500)));
    assertUnavailable(timedCall(issuer.token().sign()));
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void status503_is503_thenResumes() {
    start(this::withJwksUri, server -> server.fail("/jwks", Fault.status(503)));
    assertUnavailable(timedCall(issuer.token().sign()));
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void hangPastTheReadTimeout_is503WithinTheBound_forEveryConcurrentRequest_andLeavesNoThreadBehind()
      throws Exception {
    start(this::withJwksUri, server -> server.fail("/jwks", Fault.hang(Duration.ofSeconds(10))));
    ExecutorService callers = Executors.newFixedThreadPool(6);
    try {
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        String token = issuer.token().sign();
        answers.add(callers.submit(() -> timedCall(token)));
      }
      for (Future<HttpResponse<String>> answer : answers) {
        assertUnavailable(answer.get(REQUEST_BOUND.toMillis() * 2, TimeUnit.MILLISECONDS));
      }
    } finally {
      callers.shutdownNow();
    }
    assertNoThreadLeftFetching();
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void slowButWithinTheTimeout_isServed() {
    start(this::withJwksUri, server -> server.jwksDelay(READ_TIMEOUT.dividedBy(4)));
    assertServes();
  }

  @Test
  void tenMegabyteBody_is503_thenResumes() {
    String huge = "{\"keys\":[],\"padding\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}";
    start(this::withJwksUri, server -> server.fail("/jwks", Fault.body(200, "application/json", huge)));
    assertUnavailable(timedCall(issuer.token().sign()));
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void malformedJson_is503_thenResumes() {
    start(this::withJwksUri, server -> server.publishRaw("{\"keys\":[{\"kty\":\"RSA\","));
    assertUnavailable(timedCall(issuer.token().sign()));
    issuer.server().publish(issuer.key());
    assertResumes();
  }

  @Test
  void htmlErrorPageWithStatus200_is503_thenResumes() {
    start(this::withJwksUri, server -> server.fail("/jwks", Fault.body(200, "text/html",
        "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>")));
    assertUnavailable(timedCall(issuer.token().sign()));
    issuer.server().heal();
    assertResumes();
  }

  @Test
  void duplicateKids_eachPublishedKeyVerifiesItsOwnTokens_andNoOtherKeyDoes() {
    SigningKey second = SigningKey.rsa("key-1");
    start(this::withJwksUri, server -> server.publish(issuer.key(), second));
    assertServes();
    assertThat(timedCall(issuer.tokenSignedWith(second).sign()).statusCode()).isEqualTo(200);
    assertInvalidToken(timedCall(issuer.tokenSignedWith(SigningKey.rsa("key-1")).sign()),
        "The access token signature is invalid");
  }

  @Test
  void encryptionKeys_areNeverUsedToVerify_and503WhenTheyAreAllThereIs() {
    SigningKey encryption = SigningKey.rsa("enc-1");
    JWK encOnly = new RSAKey.Builder((RSAKey) Jose.publicJwk(encryption)).keyUse(KeyUse.ENCRYPTION).build();
    start(this::withJwksUri, server -> server.publishJwks(List.of(encOnly.toJSONObject())));
    assertUnavailable(timedCall(issuer.tokenSignedWith(encryption).sign()));
    issuer.server().publishJwks(List.of(encOnly.toJSONObject(), issuer.key().publicJwk()));
    assertResumes();
    assertInvalidToken(timedCall(issuer.tokenSignedWith(encryption).sign()),
        "The access token was signed with an unknown key");
  }

  @Test
  void rsa1024Keys_areNeverUsedToVerify_and503WhenTheyAreAllThereIs() {
    SigningKey weak = SigningKey.rsa("weak-1", 1024, "RS256");
    start(this::withJwksUri, server -> server.publish(weak));
    assertUnavailable(timedCall(issuer.tokenSignedWith(weak).sign()));
    issuer.server().publish(weak, issuer.key());
    assertResumes();
    assertInvalidToken(timedCall(issuer.tokenSignedWith(weak).sign()),
        "The access token was signed with an unknown key");
  }

  @Test
  void symmetricKeysInTheJwks_areNeverUsed_withOrWithoutASharedSecretConfigured() throws JOSEException {
    byte[] published = "a-secret-that-a-jwks-must-never-publish!".getBytes(StandardCharsets.UTF_8);
    logs.secret(new String(published, StandardCharsets.UTF_8));
    logs.secret(Base64URL.encode(published).toString());
    OctetSequenceKey hmac = new OctetSequenceKey.Builder(published).keyID("hmac-1").keyUse(KeyUse.SIGNATURE).build();
    start(this::withJwksUri, server -> server.publishJwks(List.of(hmac.toJSONObject())));
    assertUnavailable(timedCall(issuer.token().sign()));
    issuer.server().publishJwks(List.of(hmac.toJSONObject(), issuer.key().publicJwk()));
    assertResumes();
    String hs256 = issuer.token().algorithm("HS256").kid("hmac-1")
        .signPayload(RawJws.payloadJson(issuer.token().sign()), SigningKey.hmac(published, "HS256"));
    assertInvalidToken(timedCall(hs256), "The access token signing algorithm is not accepted");

    byte[] configured = "the-secret-this-api-really-shares-with-the-issuer".getBytes(StandardCharsets.UTF_8);
    logs.secret(new String(configured, StandardCharsets.UTF_8));
    startApi(builder -> withJwksUri(builder).algorithms("RS256", "HS256").sharedSecret(configured));
    assertInvalidToken(timedCall(hs256), "The access token signature is invalid");
    assertServes();
  }

  @Test
  void redirectToAnotherHost_isNotFollowed_is503_thenResumes() {
    SigningKey attackerKey = SigningKey.rsa("key-1");
    JwksServer attacker = closeLater(JwksServer.start()).publish(attackerKey);
    start(this::withJwksUri,
        server -> server.fail("/jwks", Fault.redirect("http://localhost:" + attacker.port() + "/jwks")));
    assertUnavailable(timedCall(issuer.tokenSignedWith(attackerKey).sign()));
    assertThat(attacker.jwksRequests()).isZero();
    issuer.server().heal();
    assertResumes();
    assertInvalidToken(timedCall(issuer.tokenSignedWith(attackerKey).sign()), "The access token signature is invalid");
    assertThat(attacker.jwksRequests()).isZero();
  }

  @Test
  void discoveryNamingAnotherIssuer_is503_andItsJwksIsNeverFetched_thenResumes() {
    start(builder -> builder, server -> server.discoveryIssuer("http://127.0.0.1:9/another-issuer"));
    assertUnavailable(timedCall(issuer.token().sign()));
    assertThat(issuer.server().jwksRequests()).isZero();
    issuer.server().discoveryIssuer(null);
    assertResumes();
    assertThat(issuer.server().jwksRequests()).isEqualTo(1);
  }

  @Test
  void outageAfterKeysWereLoaded_isNot503_forTokensOfKnownKeys() {
    start(this::withJwksUri);
    assertServes();
    issuer.server().fail("/jwks", Fault.status(500));
    clock.advance(Duration.ofMinutes(6));
    assertServes();
    assertInvalidToken(timedCall(issuer.tokenSignedWith(SigningKey.rsa("key-1")).sign()),
        "The access token signature is invalid");
    // A kid the last good set lacks may be a rotated key the failing server would have served: 503, not 401.
    assertUnavailable(timedCall(issuer.tokenSignedWith(SigningKey.rsa("key-2")).sign()));
    issuer.server().heal();
    assertResumes();
  }
}
