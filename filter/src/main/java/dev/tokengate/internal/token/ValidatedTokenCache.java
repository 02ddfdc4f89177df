package dev.tokengate.internal.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.internal.jwks.KeyBinding;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Remembers tokens that passed full validation, so that a token seen again (machine-to-machine callers send the same
 * token thousands of times before it expires) costs a map lookup instead of a signature check.
 *
 * <p>The key is the whole token string (see {@link TokenKey}): equality on it is exact, so a token that differs in any
 * character (a tampered signature included) is a miss and goes through full validation. An entry lives until the token's {@code exp} and
 * never longer (Caffeine's variable expiry, timed by a {@link Ticker} read from the configured {@link Clock}); every
 * hit checks {@code exp}, {@code nbf} and {@code iat} against the clock again with the skew, so a hit is refused
 * exactly when full validation would refuse it on time. Only successes are stored: a rejected token is checked
 * afresh every time, so no earlier failure can refuse a token that became valid, e.g. after a key rotation.
 *
 * <p>The number of entries is bounded (Caffeine's size-based eviction), so a flood of distinct tokens costs
 * verification work but never unbounded memory. Each entry is bound to the very key that verified it (by identity;
 * see {@link KeyBinding}): a hit is served only while that key is in its issuer's current usable set and within
 * {@code jwks-max-staleness}, so a removed key, a {@code kid} reused with new material, a kid-less rotation or keys
 * gone stale end their tokens' entries at once.
 */
public final class ValidatedTokenCache {
  /** Checks a token in full; what {@link #validate} falls back to on a miss. */
  @FunctionalInterface
  public interface Verification {
    VerifiedToken verify(String token) throws TokenRejectedException, KeysUnavailableException;
  }

  /** A remembered token; times are epoch milliseconds, {@link Long#MIN_VALUE} when the claim is absent. */
  private record Entry(ClientPrincipal principal, KeyBinding key, long expiresAt, long notBefore, long issuedAt) {}

  private final Cache<TokenKey, Entry> cache;
  private final Clock clock;
  private final long clockSkewMillis;
  private final LongAdder verifications = new LongAdder();

  /**
   * @param maximumSize the most tokens remembered; 0 remembers none, every token is then validated in full
   * @param clock the clock that times the entries and the claim checks
   * @param clockSkew the tolerance on {@code exp}, {@code nbf} and {@code iat}
   */
  public ValidatedTokenCache(int maximumSize, Clock clock, Duration clockSkew) {
    this.clock = clock;
    this.clockSkewMillis = clockSkew.toMillis();
    this.cache = maximumSize == 0 ? null : Caffeine.newBuilder()
        .maximumSize(maximumSize)
        // The configured clock, not System.nanoTime(): entries must end at the token's exp as the validator's clock
        // sees it, and tests move that clock.
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .expireAfter(new UntilTokenExpiry())
        // Maintenance (buffer draining, eviction) on the calling thread, in small amortized steps: handing it to the
        // common pool cost more per request than doing it.
        .executor(Runnable::run)
        .build();
  }

  /**
   * The principal of a valid token: from memory when the token passed before and is still within its times, else
   * from {@code verification}, whose success is then remembered.
   */
  public ClientPrincipal validate(String token, Verification verification)
      throws TokenRejectedException, KeysUnavailableException {
    if (cache == null) {
      verifications.increment();
      return verification.verify(token).principal();
    }
    TokenKey key = new TokenKey(token);
    Entry entry = cache.getIfPresent(key);
    if (entry != null) {
      // The key check makes the entry die with the key that verified it: removed, replaced under the same kid, or
      // stale past jwks-max-staleness. It also closes the race where a thread verified against the old set and
      // inserted after the refresh: its entry is bound to a key no longer current, so it never answers.
      if (withinTimes(entry, clock.millis()) && entry.key().stillUsable()) {
        return entry.principal();
      }
      // Full validation below gives the precise reason; the stale entry must not answer again.
      cache.invalidate(key);
    }
    verifications.increment();
    VerifiedToken verified = verification.verify(token);
    long expiresAt = verified.expiresAtMillis();
    // A token already inside its exp skew is accepted but not remembered: its entry would outlive its exp.
    if (expiresAt > clock.millis()) {
      ClientPrincipal principal = verified.principal();
      cache.put(key, new Entry(principal, verified.key(), expiresAt, verified.notBeforeMillis(),
          verified.issuedAtMillis()));
    }
    return verified.principal();
  }

  /**
   * The principal of a token that passed full validation before, is still within its times and whose key is still
   * usable; empty otherwise. A lookup only: it never verifies, never waits (the key check is a few volatile reads).
   */
  public Optional<ClientPrincipal> lookup(String token) {
    if (cache == null) {
      return Optional.empty();
    }
    Entry entry = cache.getIfPresent(new TokenKey(token));
    return entry != null && withinTimes(entry, clock.millis()) && entry.key().stillUsable()
        ? Optional.of(entry.principal())
        : Optional.empty();
  }

  /**
   * Forgets every token whose key is no longer usable, e.g. after a refresh removed keys. Only frees memory early:
   * such an entry is never served anyway, since every hit checks its key.
   */
  public void dropUnusable() {
    if (cache != null) {
      cache.asMap().values().removeIf(entry -> !entry.key().stillUsable());
    }
  }

  /** How many tokens are remembered now, after pending evictions and expiries are applied. */
  public long size() {
    if (cache == null) {
      return 0;
    }
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** How many times a token was validated in full since this cache was made, i.e. the misses. */
  public long verifications() {
    return verifications.sum();
  }

  private boolean withinTimes(Entry entry, long now) {
    return now - clockSkewMillis < entry.expiresAt()
        && (entry.notBefore() == Long.MIN_VALUE || now + clockSkewMillis >= entry.notBefore())
        && (entry.issuedAt() == Long.MIN_VALUE || now + clockSkewMillis >= entry.issuedAt());
  }

  /**
   * The whole token as the key, with a hash of its last characters only. Equality is still exact on the whole token;
   * the hash just spreads keys. Hashing a ~1.5 KB token in full was the largest cost of a hit; the tail of a token is
   * its signature, random for every token the cache holds (only tokens whose signature verified are stored, so no
   * one without the issuer's key can choose it).
   */
  private static final class TokenKey {
    private static final int HASHED_CHARACTERS = 32;

    private final String token;
    private final int hash;

    TokenKey(String token) {
      this.token = token;
      int h = token.length();
      for (int i = Math.max(0, token.length() - HASHED_CHARACTERS); i < token.length(); i++) {
        h = 31 * h + token.charAt(i);
      }
      this.hash = h;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof TokenKey key && key.hash == hash && key.token.equals(token);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  /** Each entry lives until its token's exp; reads and updates do not extend it. */
  private static final class UntilTokenExpiry implements Expiry<TokenKey, Entry> {
    @Override
    public long expireAfterCreate(TokenKey token, Entry entry, long currentTime) {
      return TimeUnit.MILLISECONDS.toNanos(entry.expiresAt()) - currentTime;
    }

    @Override
    public long expireAfterUpdate(TokenKey token, Entry entry, long currentTime, long currentDuration) {
      return expireAfterCreate(token, entry, currentTime);
    }

    @Override
    public long expireAfterRead(TokenKey token, Entry entry, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
