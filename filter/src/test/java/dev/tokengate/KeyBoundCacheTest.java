package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A remembered token dies with the key that verified it, judged by the key itself (its identity, i.e. material, kid
 * and algorithms), not by its kid: a kid reused with new material, a rotation in a JWKS without kids, and keys gone
 * stale past {@code jwks-max-staleness} all end the cached entries at once. A refresh that brings the same keys keeps
 * them.
 */
class KeyBoundCacheTest {
  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private TokenValidator validator;

  @AfterEach
  void stop() {
    if (validator != null) {
      validator.close();
    }
    issuer.close();
  }

  private void start(SigningKey key, TokenGateConfig.Builder settings) {
    issuer = TestIssuer.start(key, clock);
    validator = TokenValidator.create(settings.issuer(issuer.issuer()).jwksUri(URI.create(issuer.server().jwksUri()))
        .audiences("api").clock(clock).build());
    Poll.until("keys loaded", () -> validator.health().get(0).keysLoaded() > 0);
  }

  private void refreshInBackground() {
    int before = issuer.server().jwksRequests();
    clock.advance(Duration.ofMinutes(4));
    Instant now = Instant.ofEpochMilli(clock.millis());
    Poll.until("the background refresh", () -> issuer.server().jwksRequests() > before
        && validator.health().get(0).lastSuccessfulFetch().filter(now::equals).isPresent());
  }

  private long verifications() {
    return validator.tokenCache().verifications();
  }

  /** Validates twice: the second time must be a hit. */
  private void remembered(String token) throws Exception {
    long before = verifications();
    assertThat(validator.validate(token).clientId()).isEqualTo("orders-service");
    assertThat(validator.validate(token).clientId()).isEqualTo("orders-service");
    assertThat(verifications()).as("verified once, then remembered").isEqualTo(before + 1);
  }

  @Test
  void refreshWithTheSameKeys_keepsTheRememberedTokens() throws Exception {
    start(SigningKey.rsa("key-1"), TokenGateConfig.builder());
    String token = issuer.token().sign();
    remembered(token);

    refreshInBackground();
    long before = verifications();
    assertThat(validator.validate(token).clientId()).isEqualTo("orders-service");
    assertThat(verifications()).as("still a hit after the refresh").isEqualTo(before);
  }

  @Test
  void kidReusedWithOtherKeyMaterial_endsTheTokensOfTheOldKey() throws Exception {
    SigningKey original = SigningKey.rsa("key-1");
    SigningKey sameKid = SigningKey.rsa("key-1");
    start(original, TokenGateConfig.builder());
    String signedWithOriginal = issuer.token().sign();
    remembered(signedWithOriginal);

    issuer.server().publish(sameKid);
    refreshInBackground();

    assertThatThrownBy(() -> validator.validate(signedWithOriginal))
        .isInstanceOf(TokenRejectedException.class)
        .hasMessageContaining("The access token signature is invalid");
    assertThat(validator.validate(issuer.tokenSignedWith(sameKid).sign()).clientId()).isEqualTo("orders-service");
  }

  @Test
  void rotationInAJwksWithoutKids_endsTheTokensOfTheRemovedKey() throws Exception {
    SigningKey first = SigningKey.rsa(null);
    SigningKey second = SigningKey.rsa(null);
    start(first, TokenGateConfig.builder());
    String signedWithFirst = issuer.token().sign();
    assertThat(new String(java.util.Base64.getUrlDecoder().decode(signedWithFirst.split("\\.")[0]),
        java.nio.charset.StandardCharsets.UTF_8)).as("a header without kid").doesNotContain("kid");
    remembered(signedWithFirst);

    issuer.server().publish(second);
    refreshInBackground();

    assertThatThrownBy(() -> validator.validate(signedWithFirst))
        .isInstanceOf(TokenRejectedException.class)
        .hasMessageContaining("The access token signature is invalid");
    assertThat(validator.validate(issuer.tokenSignedWith(second).sign()).clientId()).isEqualTo("orders-service");
  }

  @Test
  void keysPastTheMaximumStaleness_endTheRememberedTokens_as503() throws Exception {
    start(SigningKey.rsa("key-1"), TokenGateConfig.builder().jwksMaxStaleness(Duration.ofHours(1)));
    String token = issuer.token().expiresAt(clock.instant().plus(Duration.ofHours(3))).sign();
    remembered(token);
    issuer.server().stop();

    // TTL 5 min + 59 min of staleness: the last good keys, and so the remembered token, still serve.
    clock.advance(Duration.ofMinutes(64));
    assertThat(validator.validate(token).clientId()).isEqualTo("orders-service");
    clock.advance(Duration.ofMinutes(2));
    assertThatThrownBy(() -> validator.validate(token)).isInstanceOf(KeysUnavailableException.class);
  }
}
