package dev.tokengate.internal.dpop;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.tokengate.spi.DpopReplayStore;
import dev.tokengate.spi.ReplayStoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The default {@link DpopReplayStore}: used proof ids in a Caffeine cache of this process, each expiring when its
 * proof would be refused as too old anyway (Caffeine's variable expiry, timed by the configured clock).
 *
 * <p>Bounded, but never by forgetting: a size-bounded cache would evict proofs still inside their window once other
 * traffic filled it, and a forgotten proof would be accepted again. When {@code maximumSize} proofs are remembered
 * and none has expired, a new proof is refused with {@link ReplayStoreUnavailableException} (503 with {@code
 * Retry-After}) until entries expire: a flood costs availability, never a replay.
 */
public final class InMemoryReplayStore implements DpopReplayStore {
  private final Cache<String, Long> used;
  private final int maximumSize;

  public InMemoryReplayStore(int maximumSize, Clock clock) {
    Ticker ticker = () -> clock.millis() * 1_000_000L;
    this.maximumSize = maximumSize;
    this.used = Caffeine.newBuilder()
        .ticker(ticker)
        .expireAfter(Expiry.<String, Long>writing((id, lifetimeNanos) -> Duration.ofNanos(lifetimeNanos)))
        .build();
  }

  @Override
  public boolean firstUse(String proofId, Duration lifetime) {
    if (used.estimatedSize() >= maximumSize) {
      if (used.getIfPresent(proofId) != null) {
        return false;
      }
      used.cleanUp();
      if (used.estimatedSize() >= maximumSize) {
        throw new ReplayStoreUnavailableException("The in-process DPoP replay store is full (" + maximumSize
            + " proofs within their window; raise dpop-replay-cache-size)", Duration.ofSeconds(1), null);
      }
    }
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
