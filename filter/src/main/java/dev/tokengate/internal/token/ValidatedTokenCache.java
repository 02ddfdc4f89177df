package dev.tokengate.internal.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.internal.jwks.KeyBinding;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Remembers tokens that passed full validation, so that a token seen again (machine-to-machine callers send the same
 * token thousands of times before it expires) costs a map lookup instead of a signature check.
 *
 * <p>Two tiers share one compact {@link CachedToken} per token:
 *
 * <ul>
 *   <li>the <b>bulk tier</b> holds every remembered token (up to the configured size), keyed by the SHA-256 of the
 *       token: 32 bytes instead of the ~1.5 KB token, so an entry costs a few hundred bytes;
 *   <li>the <b>hot tier</b> holds the {@value #HOT_TIER_SIZE} most used of them keyed by the token string itself, so
 *       that the common case, a few clients each sending its token over and over, costs no digest: a hash of the
 *       token's last characters and one exact comparison. It also keeps the principal its hits answer, the same
 *       instance each time (its claims are read from the token only if asked for). Its size is fixed, so its memory
 *       (the tokens it holds, about 0.4 MB when full) is bounded whatever the configured size; it has no expiry of
 *       its own: a token the bulk tier evicts or expires leaves it too.
 * </ul>
 *
 * Equality is exact in both: the hot tier compares the whole token, the bulk tier compares SHA-256 digests of the
 * whole token (collision resistant: no one can make a second token with the digest of a cached one). A token that
 * differs in any character, a tampered signature or a swapped payload included, is a miss in both and goes through
 * full validation.
 *
 * <p>An entry lives until the token's {@code exp} and never longer (Caffeine's variable expiry, timed by a {@link
 * Ticker} read from the configured {@link Clock}); every hit checks {@code exp}, {@code nbf} and {@code iat} against
 * the clock again with the skew, so a hit is refused exactly when full validation would refuse it on time. Only
 * successes are stored: a rejected token is checked afresh every time, so no earlier failure can refuse a token that
 * became valid, e.g. after a key rotation.
 *
 * <p>The number of entries is bounded (Caffeine's size-based eviction), so a flood of distinct tokens costs
 * verification work but never unbounded memory. Each entry is bound to the very key that verified it (by identity;
 * see {@link KeyBinding}): a hit is served only while that key is in its issuer's current usable set and within
 * {@code jwks-max-staleness}, so a removed key, a {@code kid} reused with new material, a kid-less rotation or keys
 * gone stale end their tokens' entries at once, in both tiers.
 */
public final class ValidatedTokenCache {
  /** The hot tier's size: tokens kept with their full text, the few hundred most used. */
  public static final int HOT_TIER_SIZE = 256;

  /** Checks a token in full; what {@link #validate} falls back to on a miss. */
  @FunctionalInterface
  public interface Verification {
    VerifiedToken verify(String token) throws TokenRejectedException, KeysUnavailableException;
  }

  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  });

  private final Cache<TokenKey, HotEntry> hot;
  private final Cache<TokenDigest, CachedToken> bulk;
  private final Clock clock;
  private final long clockSkewMillis;
  private final int maxTokenLength;
  private final LongAdder verifications = new LongAdder();

  /**
   * @param maximumSize the most tokens remembered; 0 remembers none, every token is then validated in full
   * @param clock the clock that times the entries and the claim checks
   * @param clockSkew the tolerance on {@code exp}, {@code nbf} and {@code iat}
   */
  public ValidatedTokenCache(int maximumSize, Clock clock, Duration clockSkew) {
    this(maximumSize, clock, clockSkew, Integer.MAX_VALUE);
  }

  /**
   * @param maxTokenLength tokens longer than this are never looked up (validation refuses them before any work); it
   *     bounds what a lookup hashes
   */
  public ValidatedTokenCache(int maximumSize, Clock clock, Duration clockSkew, int maxTokenLength) {
    this.clock = clock;
    this.clockSkewMillis = clockSkew.toMillis();
    this.maxTokenLength = maxTokenLength;
    // The hot tier has no expiry of its own: reading the clock for Caffeine's expiry was a measurable part of a hit.
    // Every hit checks the token's times anyway, and the bulk tier's expiry of an entry (below) removes it here too.
    this.hot = maximumSize == 0 ? null : Caffeine.newBuilder()
        .maximumSize(Math.min(HOT_TIER_SIZE, maximumSize))
        .executor(Runnable::run)
        .<TokenKey, HotEntry>build();
    // A token the bulk tier evicts (full, or past its exp) leaves the hot tier too, so that the configured size bounds
    // both together and no expired token lingers there: the hot tier is a subset. A scan of at most HOT_TIER_SIZE
    // entries, paid per eviction.
    this.bulk = maximumSize == 0 ? null : tier(maximumSize, clock)
        .evictionListener((TokenDigest digest, CachedToken entry, RemovalCause cause) -> {
          if (entry != null) {
            hot.asMap().values().removeIf(hotEntry -> hotEntry.entry() == entry);
          }
        })
        .build();
  }

  private static Caffeine<Object, CachedToken> tier(int maximumSize, Clock clock) {
    return Caffeine.newBuilder()
        .maximumSize(maximumSize)
        // The configured clock, not System.nanoTime(): entries must end at the token's exp as the validator's clock
        // sees it, and tests move that clock.
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .expireAfter(new UntilTokenExpiry())
        // Maintenance (buffer draining, eviction) on the calling thread, in small amortized steps: handing it to the
        // common pool cost more per request than doing it.
        .executor(Runnable::run);
  }

  /**
   * The principal of a valid token: from memory when the token passed before and is still within its times, else
   * from {@code verification}, whose success is then remembered.
   */
  public ClientPrincipal validate(String token, Verification verification)
      throws TokenRejectedException, KeysUnavailableException {
    if (hot == null || token.length() > maxTokenLength) {
      verifications.increment();
      return verification.verify(token).principal();
    }
    TokenKey exact = new TokenKey(token);
    HotEntry hotEntry = hot.getIfPresent(exact);
    CachedToken entry = hotEntry == null ? null : hotEntry.entry();
    TokenDigest digest = null;
    if (entry == null) {
      digest = TokenDigest.of(token);
      entry = bulk.getIfPresent(digest);
    }
    if (entry != null) {
      // The key check makes the entry die with the key that verified it: removed, replaced under the same kid, or
      // stale past jwks-max-staleness. It also closes the race where a thread verified against the old set and
      // inserted after the refresh: its entry is bound to a key no longer current, so it never answers.
      if (entry.usable(clock.millis(), clockSkewMillis)) {
        return hotEntry != null ? hotEntry.principal() : promote(exact, entry, token);
      }
      // Full validation below gives the precise reason; the stale entry must not answer again, from either tier.
      hot.invalidate(exact);
      bulk.invalidate(digest != null ? digest : TokenDigest.of(token));
    }
    verifications.increment();
    VerifiedToken verified = verification.verify(token);
    // A token already inside its exp skew is accepted but not remembered: its entry would outlive its exp.
    if (verified.expiresAtMillis() > clock.millis()) {
      CachedToken remembered = verified.entry().shared();
      bulk.put(digest != null ? digest : TokenDigest.of(token), remembered);
      return promote(exact, remembered, token);
    }
    return verified.principal();
  }

  /**
   * Offers a token in use to the hot tier (Caffeine's admission policy keeps the most frequently used there) with
   * the principal that its hits will answer: the same instance for every hit, so that callers which keep something
   * per principal (the Spring adapter's {@code Jwt}) find it again. Its claims are read from the token, which the hot
   * tier's key holds anyway, only if asked for.
   */
  private ClientPrincipal promote(TokenKey exact, CachedToken entry, String token) {
    ClientPrincipal principal = entry.principal(token);
    hot.put(exact, new HotEntry(entry, principal));
    return principal;
  }

  /**
   * The principal of a token that passed full validation before, is still within its times and whose key is still
   * usable; empty otherwise. A lookup only: it never verifies, never waits (the key check is a few volatile reads).
   */
  public Optional<ClientPrincipal> lookup(String token) {
    if (hot == null || token.length() > maxTokenLength) {
      return Optional.empty();
    }
    TokenKey exact = new TokenKey(token);
    HotEntry hotEntry = hot.getIfPresent(exact);
    CachedToken entry = hotEntry != null ? hotEntry.entry() : bulk.getIfPresent(TokenDigest.of(token));
    if (entry == null || !entry.usable(clock.millis(), clockSkewMillis)) {
      return Optional.empty();
    }
    return Optional.of(hotEntry != null ? hotEntry.principal() : promote(exact, entry, token));
  }

  /**
   * Forgets every token whose key is no longer usable, e.g. after a refresh removed keys. Only frees memory early:
   * such an entry is never served anyway, since every hit checks its key.
   */
  public void dropUnusable() {
    if (hot != null) {
      hot.asMap().values().removeIf(hotEntry -> !hotEntry.entry().key().stillUsable());
      bulk.asMap().values().removeIf(entry -> !entry.key().stillUsable());
    }
  }

  /** How many tokens are remembered now (in either tier), after pending evictions and expiries are applied. */
  public long size() {
    if (hot == null) {
      return 0;
    }
    bulk.cleanUp();
    hot.cleanUp();
    Set<CachedToken> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
    hot.asMap().values().forEach(hotEntry -> distinct.add(hotEntry.entry()));
    distinct.addAll(bulk.asMap().values());
    return distinct.size();
  }

  /** How many tokens the hot tier holds with their full text now. */
  public long hotSize() {
    if (hot == null) {
      return 0;
    }
    bulk.cleanUp();
    hot.cleanUp();
    return hot.estimatedSize();
  }

  /** How many tokens the bulk tier holds by digest now. */
  public long bulkSize() {
    if (bulk == null) {
      return 0;
    }
    bulk.cleanUp();
    return bulk.estimatedSize();
  }

  /** Empties the hot tier only, e.g. for a test that proves what the bulk tier answers by itself. */
  public void clearHotTier() {
    if (hot != null) {
      hot.invalidateAll();
      hot.cleanUp();
    }
  }

  /** How many times a token was validated in full since this cache was made, i.e. the misses. */
  public long verifications() {
    return verifications.sum();
  }

  /** A hot-tier value: the shared entry and the principal every hit of this token answers. */
  private record HotEntry(CachedToken entry, ClientPrincipal principal) {}

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

  /**
   * The SHA-256 of the whole token (its UTF-8 bytes: one byte sequence per string, so distinct strings have distinct
   * inputs), held as four longs: 48 bytes of heap instead of the token's ~1.5 KB. Two keys are equal exactly when the
   * digests are; finding a second token with a cached token's digest is a SHA-256 second preimage.
   */
  private static final class TokenDigest {
    private final long a;
    private final long b;
    private final long c;
    private final long d;

    private TokenDigest(long a, long b, long c, long d) {
      this.a = a;
      this.b = b;
      this.c = c;
      this.d = d;
    }

    static TokenDigest of(String token) {
      ByteBuffer digest = ByteBuffer.wrap(SHA_256.get().digest(token.getBytes(StandardCharsets.UTF_8)));
      return new TokenDigest(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof TokenDigest that && that.a == a && that.b == b && that.c == c && that.d == d;
    }

    @Override
    public int hashCode() {
      return (int) a;
    }
  }

  /** Each entry lives until its token's exp; reads and updates do not extend it. */
  private static final class UntilTokenExpiry implements Expiry<Object, CachedToken> {
    @Override
    public long expireAfterCreate(Object key, CachedToken entry, long currentTime) {
      return TimeUnit.MILLISECONDS.toNanos(entry.expiresAt()) - currentTime;
    }

    @Override
    public long expireAfterUpdate(Object key, CachedToken entry, long currentTime, long currentDuration) {
      return expireAfterCreate(key, entry, currentTime);
    }

    @Override
    public long expireAfterRead(Object key, CachedToken entry, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
