package dev.tokengate.internal.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.internal.jwks.HttpDocumentFetcher;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.jwks.KeyRefresher;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The race a kid-based removal could not close: a thread verifies a token against the old key set, the refresh that
 * removes the key completes and is announced, and only then the thread stores its entry. Forced with latches, with the
 * refresh run by hand ({@link IssuerKeys#maintain()}), so no timing decides the outcome.
 */
class CacheRemovalRaceTest {
  private static final SigningKey KEY_1 = SigningKey.rsa("key-1");
  private static final SigningKey KEY_2 = SigningKey.rsa("key-2");

  private final MutableClock clock = MutableClock.startingNow();
  private final TestIssuer issuer = TestIssuer.start(KEY_1, clock);
  private final KeyRefresher threads = new KeyRefresher(1);
  private HttpDocumentFetcher fetcher;

  @AfterEach
  void stop() {
    threads.close();
    fetcher.close();
    issuer.close();
  }

  @Test
  void entryStoredAfterItsKeyWasRemoved_neverAnswers() throws Exception {
    TokenGateConfig config = TokenGateConfig.builder().issuer(issuer.issuer())
        .jwksUri(URI.create(issuer.server().jwksUri())).audiences("api").clock(clock).build();
    fetcher = new HttpDocumentFetcher(config.jwksConnectTimeout(), config.jwksMaxBytes(), threads.httpExecutor());
    IssuerKeys keys = new IssuerKeys(issuer.issuer(), config.jwksUri(), fetcher,
        AccessTokenVerifier.acceptedAlgorithms(config), clock,
        new IssuerKeys.Policy(config.jwksCacheTtl(), config.jwksMinCacheTtl(), config.jwksMaxCacheTtl(),
            config.jwksRefreshRateLimit(), config.jwksMaxStaleness(), Duration.ofSeconds(5), 2),
        threads.fetchExecutor(), null);
    AccessTokenVerifier verifier = new AccessTokenVerifier(config, Map.of(issuer.issuer(), keys));
    ValidatedTokenCache cache = new ValidatedTokenCache(100, clock, config.clockSkew());
    keys.onKeysRemoved(cache::dropUnusable);
    keys.maintain();
    Poll.until("keys loaded", () -> keys.currentKeys().isPresent());
    String token = issuer.token().sign();

    CountDownLatch verified = new CountDownLatch(1);
    CountDownLatch removalAnnounced = new CountDownLatch(1);
    CompletableFuture<ClientPrincipal> slow = CompletableFuture.supplyAsync(() -> {
      try {
        return cache.validate(token, t -> {
          VerifiedToken result = verifier.verifyToken(t);
          verified.countDown();
          // Holds the verified result until the removal was announced: the entry is stored after it.
          await(removalAnnounced);
          return result;
        });
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    await(verified);
    issuer.server().publish(KEY_2);
    clock.advance(Duration.ofMinutes(4));
    keys.maintain();
    Poll.until("key-1 removed", () -> !keys.currentKeys().orElseThrow().containsKid("key-1"));
    removalAnnounced.countDown();
    // That request began before the removal, so it is answered as verified; its entry must not outlive it.
    assertThat(slow.get(10, TimeUnit.SECONDS).clientId()).isEqualTo("orders-service");

    AtomicInteger fullValidations = new AtomicInteger();
    assertThatThrownBy(() -> cache.validate(token, t -> {
      fullValidations.incrementAndGet();
      return verifier.verifyToken(t);
    })).isInstanceOf(TokenRejectedException.class).hasMessageContaining("unknown key");
    assertThat(fullValidations).as("the late entry was not served").hasValue(1);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

}
