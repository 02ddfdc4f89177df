package dev.tokengate.internal.dpop;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.tokengate.spi.DpopReplayStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The default {@link DpopReplayStore}: used proof ids in a bounded Caffeine cache of this process, each expiring when
 * its proof would be refused as too old anyway (Caffeine's variable expiry, timed by the configured clock).
 */
public final class InMemoryReplayStore implements DpopReplayStore {
  private final Cache<String, Long> used;

  public InMemoryReplayStore(int maximumSize, Clock clock) {
    Ticker ticker = () -> clock.millis() * 1_000_000L;
    this.used = Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .ticker(ticker)
        .expireAfter(Expiry.<String, Long>writing((id, lifetimeNanos) -> Duration.ofNanos(lifetimeNanos)))
        .build();
  }

  @Override
  public boolean firstUse(String proofId, Duration lifetime) {
    AtomicBoolean first = new AtomicBoolean();
    // Atomic per key: of two concurrent uses of one proof, exactly one computes the entry.
    used.asMap().computeIfAbsent(proofId, id -> {
      first.set(true);
      return Math.max(1, lifetime.toNanos());
    });
    return first.get();
  }

  /** How many proofs are remembered (approximately), for tests. */
  long size() {
    used.cleanUp();
    return used.estimatedSize();
  }
}
