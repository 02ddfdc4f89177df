package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.internal.token.ValidatedTokenCache;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The validated-token cache's two tiers: the hot tier (the most used tokens, by their exact text) and the bulk tier
 * (every remembered token, by the SHA-256 of its text), which share one compact entry per token. Each test empties the
 * hot tier where it matters, to prove what the bulk tier answers by itself.
 */
class TwoTierTokenCacheTest {
  private final MutableClock clock = MutableClock.startingNow();
  private final TestIssuer issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
  private final TokenValidator validator = TokenValidator.create(TokenGateConfig.builder()
      .issuer(issuer.issuer())
      .audiences("api")
      .clock(clock)
      .build());
  private final ValidatedTokenCache cache = validator.tokenCache();

  @AfterEach
  void stop() {
    validator.close();
    issuer.close();
  }

  @Test
  void tokenForgottenByTheHotTier_isAnsweredByTheBulkTier_andPromotedAgain() throws Exception {
    String token = issuer.token().sign();
    ClientPrincipal first = validator.validate(token);
    assertThat(cache.hotSize()).isEqualTo(1);
    assertThat(cache.bulkSize()).isEqualTo(1);

    cache.clearHotTier();
    ClientPrincipal fromBulk = validator.validate(new String(token));

    assertThat(cache.verifications()).as("a bulk-tier hit, no second verification").isEqualTo(1);
    assertThat(fromBulk).isEqualTo(first);
    assertThat(cache.hotSize()).as("promoted back to the hot tier").isEqualTo(1);
    assertThat(validator.validateCached(new String(token))).containsSame(fromBulk);
    assertThat(validator.validate(new String(token)))
        .as("every hot-tier hit answers the same principal, which callers may key their own caches on")
        .isSameAs(fromBulk);
    assertThat(cache.verifications()).isEqualTo(1);
  }

  @Test
  void tamperedCopies_ofACachedToken_neverHitEitherTier() throws Exception {
    String token = issuer.token().scope("orders:read").sign();
    String other = issuer.token().scope("orders:read", "orders:write", "admin").sign();
    validator.validate(token);
    validator.validate(other);
    String[] parts = token.split("\\.");
    String[] otherParts = other.split("\\.");
    char last = token.charAt(token.length() - 3);
    List<String> forgeries = List.of(
        // T's signature on another payload: the attack a cache keyed on the signature alone would let through.
        parts[0] + "." + otherParts[1] + "." + parts[2],
        otherParts[0] + "." + otherParts[1] + "." + parts[2],
        // One character of the signature changed, and one of the payload.
        token.substring(0, token.length() - 3) + (last == 'A' ? 'B' : 'A') + token.substring(token.length() - 2),
        parts[0] + "." + flipFirst(parts[1]) + "." + parts[2],
        // Longer and shorter by a character.
        token + "A",
        token.substring(0, token.length() - 1));

    for (boolean hotTierEmptied : new boolean[] {false, true}) {
      if (hotTierEmptied) {
        cache.clearHotTier();
      }
      for (String forgery : forgeries) {
        long before = cache.verifications();
        assertThat(validator.validateCached(forgery)).as("validateCached, %s", forgery).isEmpty();
        assertThatThrownBy(() -> validator.validate(forgery)).as("validate, %s", forgery)
            .isInstanceOf(TokenRejectedException.class);
        assertThat(cache.verifications()).as("checked in full, not served").isEqualTo(before + 1);
      }
    }
    assertThat(validator.validate(token).scopes()).containsExactly("orders:read");
  }

  @Test
  void claimsReadLazilyFromTheToken_equalTheEagerCopy_inEveryPath() throws Exception {
    String token = issuer.token().claim("realm_access", Map.of("roles", List.of("a", "b")))
        .claim("nested", Map.of("list", List.of(1, 2.5, true, "x"))).sign();
    Map<String, Object> payload = JSONObjectUtils.parse(
        new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), java.nio.charset.StandardCharsets.UTF_8));
    SignedJWT parsed = SignedJWT.parse(token);
    ClientPrincipal eager = new ClientPrincipal("orders-service", parsed.getJWTClaimsSet().getSubject(),
        issuer.issuer(), Set.of("api"), Set.of("countries:read", "orders:write"),
        parsed.getJWTClaimsSet().getExpirationTime().toInstant(), payload);

    ClientPrincipal firstSeen = validator.validate(token);
    ClientPrincipal hotHit = validator.validate(new String(token));
    cache.clearHotTier();
    ClientPrincipal bulkHit = validator.validate(new String(token));

    for (ClientPrincipal principal : List.of(firstSeen, hotHit, bulkHit)) {
      assertThat(principal.claims()).isEqualTo(eager.claims()).isEqualTo(payload);
      assertThat(principal).isEqualTo(eager).hasSameHashCodeAs(eager).hasToString(eager.toString());
      assertThat(principal.scopes()).isEqualTo(eager.scopes());
      assertThat(principal.audiences()).isEqualTo(eager.audiences());
      assertThat(principal.subject()).isEqualTo(eager.subject());
      assertThatThrownBy(() -> principal.claims().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
      @SuppressWarnings("unchecked")
      Map<String, Object> realm = (Map<String, Object>) principal.claims().get("realm_access");
      assertThatThrownBy(() -> realm.put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
      assertThat(principal.claims()).as("read once, then the same map").isSameAs(principal.claims());
    }
    assertThat(cache.verifications()).isEqualTo(1);
  }

  @Test
  void keyRemoval_endsTheEntry_inBothTiers() throws Exception {
    Instant longLived = clock.instant().plus(Duration.ofHours(1));
    String hotToken = issuer.token().expiresAt(longLived).sign();
    String bulkOnlyToken = issuer.token().expiresAt(longLived).clientId("billing").sign();
    assertThat(validator.validate(bulkOnlyToken).clientId()).isEqualTo("billing");
    cache.clearHotTier();
    assertThat(validator.validate(hotToken).clientId()).isEqualTo("orders-service");
    assertThat(cache.hotSize()).isEqualTo(1);
    assertThat(cache.bulkSize()).isEqualTo(2);

    issuer.rotateDroppingOld(SigningKey.rsa("key-2"));
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    Poll.until("the refresh dropped key-1's tokens from both tiers",
        () -> cache.hotSize() == 0 && cache.bulkSize() == 0);
    long before = cache.verifications();

    for (String token : List.of(hotToken, bulkOnlyToken)) {
      assertThat(validator.validateCached(token)).isEmpty();
      assertThatThrownBy(() -> validator.validate(token)).isInstanceOf(TokenRejectedException.class)
          .hasMessageContaining("unknown key");
    }
    assertThat(cache.verifications()).isEqualTo(before + 2);
  }

  @Test
  void hotTier_isBoundedToItsSize_whileTheBulkTierHoldsEveryToken() throws Exception {
    int tokens = ValidatedTokenCache.HOT_TIER_SIZE + 44;
    for (int i = 0; i < tokens; i++) {
      validator.validate(issuer.token().clientId("client-" + i).sign());
    }
    assertThat(cache.bulkSize()).isEqualTo(tokens);
    assertThat(cache.hotSize()).isEqualTo(ValidatedTokenCache.HOT_TIER_SIZE);
    assertThat(cache.size()).isEqualTo(tokens);
  }

  private static String flipFirst(String part) {
    return (part.charAt(0) == 'e' ? 'f' : 'e') + part.substring(1);
  }
}
