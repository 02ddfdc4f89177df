package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The validated-token cache, seen through the filter on a real Jetty with keys from a real JWKS endpoint. What the
 * caller sees (status, challenge) is asserted; the validator's count of full validations shows hits and misses.
 */
class ValidatedTokenCacheTest {
  private final MutableClock clock = MutableClock.startingNow();
  private final TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
  private TokenValidator validator;
  private ApiServer api;

  private void start(int cacheSize) {
    validator = TokenValidator.create(TokenGateConfig.builder()
        .issuer(issuer.issuer())
        .audiences("api")
        .tokenCacheSize(cacheSize)
        .clock(clock)
        .build());
    api = ApiServer.start(validator);
  }

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
    issuer.close();
  }

  private long verifications() {
    return validator.tokenCache().verifications();
  }

  private static void assertInvalidToken(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(
        "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"" + description + "\"");
  }

  @Test
  void repeatedToken_isVerifiedOnce_thenServedFromCache() {
    start(10_000);
    String token = issuer.token().sign();

    for (int i = 0; i < 5; i++) {
      HttpResponse<String> response = api.get("/whoami", token);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("name=orders-service", "scopes=[countries:read, orders:write]");
    }

    assertThat(verifications()).isEqualTo(1);
    assertThat(validator.tokenCache().size()).isEqualTo(1);
    assertThat(issuer.server().jwksRequests()).isEqualTo(1);
  }

  @Test
  void validateCached_answersOnlyRememberedTokens_withinTheirTimes_andNeverVerifies() throws Exception {
    start(10_000);
    String token = issuer.token().sign();
    assertThat(validator.validateCached(token)).isEmpty();
    assertThat(verifications()).isZero();

    ClientPrincipal validated = validator.validate(token);
    assertThat(validator.validateCached(token)).containsSame(validated);
    assertThat(validator.validateCached(token.substring(0, token.length() - 2) + "AA")).isEmpty();
    assertThat(verifications()).isEqualTo(1);

    clock.advance(java.time.Duration.ofHours(1));
    assertThat(validator.validateCached(token)).isEmpty();
    assertThat(verifications()).isEqualTo(1);
  }

  @Test
  void validateCached_withCacheSizeZero_isAlwaysEmpty() throws Exception {
    start(0);
    String token = issuer.token().sign();
    validator.validate(token);
    assertThat(validator.validateCached(token)).isEmpty();
  }

  @Test
  void cacheSizeZero_verifiesEveryRequest() {
    start(0);
    String token = issuer.token().sign();

    for (int i = 0; i < 3; i++) {
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
    }

    assertThat(verifications()).isEqualTo(3);
    assertThat(validator.tokenCache().size()).isZero();
  }

  @Test
  void cacheIsOnByDefault() {
    assertThat(TokenGateConfig.builder().issuer("https://login.example.com").audiences("api").build()
        .tokenCacheSize()).isEqualTo(10_000);
  }

  @Nested
  class Expiry {
    @Test
    void entry_endsAtExp_andTheTokenIsRefusedOnTime() {
      start(10_000);
      Instant exp = clock.instant().plusSeconds(300);
      String token = issuer.token().expiresAt(exp).sign();
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);

      clock.set(exp.minusSeconds(1));
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
      assertThat(verifications()).as("a hit before exp").isEqualTo(1);

      clock.set(exp);
      assertThat(api.get("/whoami", token).statusCode()).as("inside the 60 s skew").isEqualTo(200);
      assertThat(verifications()).as("the entry ended at exp, so the token was validated again").isEqualTo(2);
      assertThat(validator.tokenCache().size()).as("not remembered past its exp").isZero();

      clock.set(exp.plusSeconds(60));
      assertInvalidToken(api.get("/whoami", token), "The access token expired");
    }

    @Test
    void hit_isRefused_whenTheClockIsBeforeNbf() {
      start(10_000);
      Instant now = clock.instant();
      String token = issuer.token().notBefore(now).issuedAt(now.minusSeconds(600)).sign();
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);

      clock.set(now.minusSeconds(61));

      assertInvalidToken(api.get("/whoami", token), "The access token is not valid yet");
    }

    @Test
    void hit_isAccepted_withinTheSkewOfNbf() {
      start(10_000);
      Instant now = clock.instant();
      String token = issuer.token().notBefore(now).issuedAt(now.minusSeconds(600)).sign();
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);

      clock.set(now.minusSeconds(59));

      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
      assertThat(verifications()).isEqualTo(1);
    }
  }

  @Nested
  class KeyRemoval {
    @Test
    void keyRemovedAtBackgroundRefresh_dropsTheTokensItVerified_andKeepsTheOthers() {
      start(10_000);
      SigningKey first = issuer.key();
      SigningKey second = SigningKey.rsa("key-2");
      Instant longLived = clock.instant().plus(Duration.ofHours(1));
      String oldKeyToken = issuer.token().expiresAt(longLived).sign();
      assertThat(api.get("/whoami", oldKeyToken).statusCode()).isEqualTo(200);
      issuer.rotate(second);
      String newKeyToken = issuer.token().expiresAt(longLived).sign();
      assertThat(api.get("/whoami", newKeyToken).statusCode()).as("unknown kid, refresh").isEqualTo(200);
      assertThat(api.get("/whoami", oldKeyToken).statusCode()).as("both keys published").isEqualTo(200);
      assertThat(verifications()).isEqualTo(2);

      issuer.server().publish(second);
      // Past jwks-cache-ttl (5 minutes by default): the validator's background refresher fetches the JWKS again.
      clock.advance(Duration.ofMinutes(5).plusSeconds(1));
      Poll.until("the refresh forgot the removed key's token", () -> validator.tokenCache().size() == 1);
      assertThat(issuer.server().jwksRequests()).isEqualTo(3);
      long before = verifications();

      assertThat(api.get("/whoami", newKeyToken).statusCode()).isEqualTo(200);
      assertThat(verifications()).as("the other key's token is still a hit").isEqualTo(before);
      assertInvalidToken(api.get("/whoami", oldKeyToken), "The access token was signed with an unknown key");
      assertThat(first.kid()).isEqualTo("key-1");
    }

    @Test
    void keyRemovedAtRefreshForUnknownKid_dropsTheTokensItVerified() {
      start(10_000);
      Instant longLived = clock.instant().plus(Duration.ofHours(1));
      String oldKeyToken = issuer.token().expiresAt(longLived).sign();
      assertThat(api.get("/whoami", oldKeyToken).statusCode()).isEqualTo(200);

      SigningKey second = SigningKey.rsa("key-2");
      issuer.rotate(second);
      issuer.server().publish(second);
      clock.advance(Duration.ofSeconds(30).plusSeconds(1));
      assertThat(api.get("/whoami", issuer.token().expiresAt(longLived).sign()).statusCode()).isEqualTo(200);

      assertInvalidToken(api.get("/whoami", oldKeyToken), "The access token was signed with an unknown key");
    }
  }

  @Nested
  class Bounds {
    @Test
    void distinctTokens_neverGrowTheCacheBeyondItsSize() {
      start(5);
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        tokens.add(issuer.token().clientId("client-" + i).sign());
      }

      for (int round = 0; round < 2; round++) {
        for (String token : tokens) {
          assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
        }
        assertThat(validator.tokenCache().size()).isBetween(1L, 5L);
      }
      // At most 5 of the 40 can have been remembered from the first round.
      assertThat(verifications()).isGreaterThanOrEqualTo(80 - 5);
    }
  }

  @Nested
  class NothingButSuccessIsRemembered {
    @Test
    void tamperedCopyOfACachedToken_isRefused() {
      start(10_000);
      String token = issuer.token().sign();
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
      char last = token.charAt(token.length() - 5);
      String tampered = token.substring(0, token.length() - 5) + (last == 'A' ? 'B' : 'A') + token.substring(
          token.length() - 4);

      assertInvalidToken(api.get("/whoami", tampered), "The access token signature is invalid");
      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
    }

    @Test
    void cachedTokensSignatureUnderAnotherPayload_isRefused() {
      start(10_000);
      String[] cached = issuer.token().sign().split("\\.");
      assertThat(api.get("/whoami", String.join(".", cached)).statusCode()).isEqualTo(200);
      String[] other = issuer.token().scope("admin").sign().split("\\.");

      assertInvalidToken(api.get("/whoami", cached[0] + "." + other[1] + "." + cached[2]),
          "The access token signature is invalid");
    }

    @Test
    void tokenRefusedBeforeItsKeyWasPublished_isAcceptedAfterRotation() {
      start(10_000);
      SigningKey next = SigningKey.rsa("key-2");
      String token = issuer.tokenSignedWith(next).sign();
      assertThat(api.get("/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
      assertInvalidToken(api.get("/whoami", token), "The access token was signed with an unknown key");

      issuer.rotate(next);
      clock.advance(Duration.ofSeconds(30).plusSeconds(1));

      assertThat(api.get("/whoami", token).statusCode()).isEqualTo(200);
    }

    @Test
    void expiredToken_isRefusedEveryTime_andNotRemembered() {
      start(10_000);
      String token = issuer.token().expiresAt(clock.instant().minusSeconds(120)).sign();

      assertInvalidToken(api.get("/whoami", token), "The access token expired");
      assertInvalidToken(api.get("/whoami", token), "The access token expired");
      assertThat(validator.tokenCache().size()).isZero();
      assertThat(verifications()).isEqualTo(2);
    }
  }

  @Nested
  class Settings {
    @Test
    void negativeSize_isRefused() {
      assertThatThrownBy(() -> TokenGateConfig.builder().tokenCacheSize(-1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Setting 'token-cache-size' must be between 0 (off) and 10000000, was -1");
    }

    @Test
    void tooLargeSize_isRefused() {
      assertThatThrownBy(() -> TokenGateConfig.builder().tokenCacheSize(10_000_001))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Setting 'token-cache-size' must be between 0 (off) and 10000000, was 10000001");
    }

    @Test
    void fromSettings_readsTheSize_zeroIncluded() {
      Map<String, String> settings = Map.of("issuer", "https://login.example.com", "audiences", "api",
          "token-cache-size", "0");
      assertThat(TokenGateConfig.fromSettings(settings).tokenCacheSize()).isZero();
    }

    @Test
    void fromSettings_notANumber_isRefused() {
      Map<String, String> settings = Map.of("issuer", "https://login.example.com", "audiences", "api",
          "token-cache-size", "lots");
      assertThatThrownBy(() -> TokenGateConfig.fromSettings(settings))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Setting 'token-cache-size' must be a whole number of 0 or more, was 'lots'");
    }
  }
}
