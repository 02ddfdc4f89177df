package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Key rotations inside one rate-limit interval (30 s, burst 2), as Keycloak does them ("add a key, later remove the
 * old one") on a real JWKS server: no valid caller ever gets a 401; a caller whose new key must wait for the
 * rate-limited refresh gets 503 with {@code Retry-After}, and the same token sent again then passes; forged kids meanwhile
 * cost at most the documented fetches (burst + 1 per interval).
 */
class KeyRotationTest {
  private static final SigningKey KEY_1 = SigningKey.rsa("key-1");
  private static final SigningKey KEY_2 = SigningKey.rsa("key-2");
  private static final SigningKey KEY_3 = SigningKey.rsa("key-3");

  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private TokenValidator validator;
  private ApiServer api;
  /** The status of every request that carried a valid token, in order. */
  private final List<Integer> validCallers = new ArrayList<>();

  @BeforeEach
  void start() {
    issuer = TestIssuer.start(KEY_1, clock);
    validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .clock(clock).build());
    api = ApiServer.start(validator);
    assertThat(valid(issuer.tokenSignedWith(KEY_1).sign()).statusCode()).isEqualTo(200);
    issuer.server().resetCounts();
  }

  @AfterEach
  void stop() {
    api.close();
    validator.close();
    issuer.close();
  }

  private HttpResponse<String> valid(String token) {
    HttpResponse<String> response = api.get("/whoami", token);
    validCallers.add(response.statusCode());
    return response;
  }

  private HttpResponse<String> forged() {
    String[] genuine = issuer.tokenSignedWith(KEY_1).sign().split("\\.");
    String header = "{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + UUID.randomUUID() + "\"}";
    return api.get("/whoami", java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString(header.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + genuine[1] + "." + genuine[2]);
  }

  @Test
  void rotateThenRotateAndRemove_withinOneInterval_costsNoValidCallerAFailure() {
    issuer.server().publish(KEY_1, KEY_2);
    assertThat(valid(issuer.tokenSignedWith(KEY_2).sign()).statusCode()).isEqualTo(200);

    clock.advance(Duration.ofSeconds(10));
    issuer.server().publish(KEY_2, KEY_3);
    assertThat(valid(issuer.tokenSignedWith(KEY_3).sign()).statusCode()).isEqualTo(200);
    assertThat(valid(issuer.tokenSignedWith(KEY_2).sign()).statusCode()).isEqualTo(200);

    assertThat(issuer.server().jwksRequests()).isEqualTo(2);
    assertThat(validCallers).containsOnly(200);
    // The removed key's tokens stop passing: that is the rotation's point, not a valid caller failing. Its kid is
    // unknown now, and the burst is spent: 503 until the refresh scheduled at t=30 s, 401 once it did not bring it.
    String signedWithKey1 = issuer.tokenSignedWith(KEY_1).sign();
    HttpResponse<String> removed = api.get("/whoami", signedWithKey1);
    assertThat(removed.statusCode()).isEqualTo(503);
    assertThat(removed.headers().firstValue("Retry-After")).hasValue("20");
    clock.advance(Duration.ofSeconds(20));
    Poll.until("the scheduled refresh", () -> issuer.server().jwksRequests() == 3);
    assertThat(api.get("/whoami", signedWithKey1).statusCode()).isEqualTo(401);
  }

  @Test
  void rotationsAfterAForgedKid_andAFlood_give503WithRetryAfter_thenTheSameTokenPasses_withinTheFetchBudget() {
    // One forged kid first (it spends one refresh of the burst), then the two rotations of Keycloak's routine.
    assertThat(forged().statusCode()).isEqualTo(401);
    clock.advance(Duration.ofSeconds(5));
    issuer.server().publish(KEY_1, KEY_2);
    assertThat(valid(issuer.tokenSignedWith(KEY_2).sign()).statusCode()).isEqualTo(200);

    clock.advance(Duration.ofSeconds(5));
    issuer.server().publish(KEY_2, KEY_3);
    String signedWithKey3 = issuer.tokenSignedWith(KEY_3).sign();
    HttpResponse<String> waiting = valid(signedWithKey3);
    assertThat(waiting.statusCode()).isEqualTo(503);
    // The bucket refills 30 s after the first refresh at t=0: 20 s from t=10.
    assertThat(waiting.headers().firstValue("Retry-After")).hasValue("20");
    assertThat(waiting.body()).contains("temporarily_unavailable");
    assertThat(waiting.headers().firstValue("WWW-Authenticate")).isEmpty();

    // A flood of forged kids meanwhile: answered at once (401 or 503), no fetch, known keys unaffected.
    for (int i = 0; i < 200; i++) {
      assertThat(forged().statusCode()).isIn(401, 503);
    }
    assertThat(valid(issuer.tokenSignedWith(KEY_2).sign()).statusCode()).isEqualTo(200);
    assertThat(issuer.server().jwksRequests()).isEqualTo(2);

    // The well-behaved client retries the same token after Retry-After: the scheduled refresh brings key-3.
    clock.advance(Duration.ofSeconds(20));
    Poll.until("the scheduled refresh", () -> issuer.server().jwksRequests() == 3);
    assertThat(valid(signedWithKey3).statusCode()).isEqualTo(200);

    assertThat(issuer.server().jwksRequests()).as("burst 2 + 1 per 30 s interval").isEqualTo(3);
    assertThat(validCallers).doesNotContain(401).containsOnly(200, 503);
  }

  @Test
  void retryingAtRetryAfter_beforeTheRefresherTicks_triggersTheRefreshItself() {
    TokenValidator oneAtATime = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer())
        .audiences("api").clock(clock).jwksRefreshBurst(1).build());
    try {
      Poll.until("keys loaded", () -> oneAtATime.health().get(0).keysLoaded() == 1);
      issuer.server().publish(KEY_1, KEY_2);
      String signedWithKey2 = issuer.tokenSignedWith(KEY_2).sign();
      assertThat(oneAtATimeValidates(oneAtATime, signedWithKey2)).isEqualTo("orders-service");
      issuer.server().publish(KEY_2, KEY_3);
      String signedWithKey3 = issuer.tokenSignedWith(KEY_3).sign();
      KeysUnavailableException pending = org.assertj.core.api.Assertions.catchThrowableOfType(
          KeysUnavailableException.class, () -> oneAtATime.validate(signedWithKey3));
      assertThat(pending.reason()).isEqualTo(KeysUnavailableException.Reason.KEY_REFRESH_PENDING);
      assertThat(pending.retryAfter()).isEqualTo(Duration.ofSeconds(30));

      clock.advance(pending.retryAfter());
      assertThat(oneAtATimeValidates(oneAtATime, signedWithKey3)).isEqualTo("orders-service");
    } finally {
      oneAtATime.close();
    }
  }

  private static String oneAtATimeValidates(TokenValidator validator, String token) {
    try {
      return validator.validate(token).clientId();
    } catch (TokenRejectedException | KeysUnavailableException e) {
      throw new AssertionError(e);
    }
  }
}
