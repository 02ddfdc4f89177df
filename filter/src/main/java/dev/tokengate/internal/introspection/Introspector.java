package dev.tokengate.internal.introspection;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.DpopMode;
import dev.tokengate.Introspection;
import dev.tokengate.IntrospectionHealth;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.log.OperatorLog;
import dev.tokengate.internal.token.AccessTokenVerifier;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Token introspection for a validator: which tokens go to an endpoint, the result cache, single-flight, and the bound
 * on calls under way.
 *
 * <p><b>Result cache.</b> Caffeine, keyed by the issuer and the SHA-256 of the token: the token itself is held only
 * while its call is under way. An active, acceptable answer is kept until the earlier of the token's {@code exp} and
 * {@code introspection-cache-max-ttl}; an inactive (or refused) one for {@code introspection-negative-cache-ttl}; a
 * failed call not at all. Entries are timed by the validator's {@link Clock}. Size-bounded.
 *
 * <p><b>Single-flight.</b> The cache holds the call's future from the moment it starts, so every request for the
 * same token while the call is under way waits for that one call.
 *
 * <p><b>The bound.</b> At most {@code introspection-max-concurrency} calls are under way at once, over all issuers: a
 * token that is neither cached nor being introspected when that many are under way is answered 503 at once, with
 * {@code Retry-After: 1}, rather than queued. So a flood of made-up opaque tokens costs the endpoint at most that many
 * concurrent calls (each ending within the call deadline), costs this service no queue and no threads (calls are
 * asynchronous), and costs the cache only the negative entries of tokens that were actually asked about. What the
 * bound cannot do is tell a flood from a legitimate burst of new tokens: while it is full, new callers get 503 too.
 */
public final class Introspector implements AutoCloseable {
  private static final OperatorLog log = OperatorLog.forClass(Introspector.class);
  private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(5);
  private static final Duration RETRY_AFTER_BUSY = Duration.ofSeconds(1);
  private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  });

  /** The cache key: the issuer asked and the SHA-256 of the token, never the token. */
  private record Key(String issuer, long a, long b, long c, long d) {}

  private final Map<String, IntrospectionEndpoint> endpoints;
  private final List<IntrospectionEndpoint> healthOrder;
  private final IntrospectionEndpoint defaultEndpoint;
  private final AsyncCache<Key, IntrospectionAnswer> cache;
  /** Single-flight when the cache is off. */
  private final Map<Key, CompletableFuture<IntrospectionAnswer>> inFlight = new ConcurrentHashMap<>();
  private final Semaphore permits;
  private final Clock clock;
  private final long skewMillis;
  private final int maxTokenLength;
  private final long waitNanos;
  private final long maxTtlNanos;
  private final long negativeTtlNanos;
  private final ThreadPoolExecutor executor;
  private final IntrospectionHttp http;
  private final AtomicLong lastWarnNanos = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

  /**
   * The introspection of {@code config}'s issuers; requires {@link TokenGateConfig#introspection()} not empty.
   *
   * @param keys each issuer's signing keys, which verify signed answers (RFC 9701)
   */
  public Introspector(TokenGateConfig config, Map<String, IssuerKeys> keys) {
    this.clock = config.clock();
    this.skewMillis = config.clockSkew().toMillis();
    this.maxTokenLength = config.maxTokenLength();
    this.maxTtlNanos = config.introspectionCacheMaxTtl().toNanos();
    this.negativeTtlNanos = config.introspectionNegativeCacheTtl().toNanos();
    this.permits = new Semaphore(config.introspectionMaxConcurrency());
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
      Thread thread = new Thread(runnable, "tokengate-introspection-" + pool + "-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    executor.allowCoreThreadTimeOut(true);
    this.http = new IntrospectionHttp(config.introspectionConnectTimeout(), config.introspectionReadTimeout(),
        config.introspectionMaxBytes(), executor);
    this.waitNanos = http.total().plusMillis(250).toNanos();
    Map<String, IntrospectionEndpoint> byIssuer = new LinkedHashMap<>();
    for (TrustedIssuer trusted : config.trustedIssuers()) {
      Introspection settings = config.introspection().get(trusted.issuer());
      if (settings != null) {
        IntrospectionAnswer.Rules rules = new IntrospectionAnswer.Rules(trusted.issuer(),
            Set.copyOf(trusted.audiences()), config.clientIdClaims(), config.scopeClaims(),
            trusted.dpopMode() == DpopMode.OFF);
        SignedAnswer.Verification signed = new SignedAnswer.Verification(trusted.issuer(), settings.clientId(),
            keys.get(trusted.issuer()), AccessTokenVerifier.acceptedAlgorithms(config), clock, skewMillis);
        byIssuer.put(trusted.issuer(),
            new IntrospectionEndpoint(trusted.issuer(), settings, http, rules, clock, signed));
      }
    }
    this.endpoints = Map.copyOf(byIssuer);
    this.defaultEndpoint = byIssuer.get(config.introspectionDefaultIssuer().orElseThrow());
    this.cache = config.introspectionCacheSize() == 0 ? null : Caffeine.newBuilder()
        .maximumSize(config.introspectionCacheSize())
        .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
        .expireAfter(new AnswerExpiry())
        .executor(Runnable::run)
        .buildAsync();
    this.healthOrder = List.copyOf(byIssuer.values());
  }

  /**
   * Whether {@code token} has the shape of a compact JWS (RFC 7515 §7.1): three base64url parts, the first of which
   * decodes to a JSON object. Such a token is validated locally; any other is an opaque token for introspection.
   */
  public static boolean isCompactJws(String token) {
    int first = token.indexOf('.');
    if (first <= 0 || token.indexOf('.', first + 1) < 0 || token.indexOf('.', token.indexOf('.', first + 1) + 1) >= 0) {
      return false;
    }
    try {
      byte[] header = Base64.getUrlDecoder().decode(token.substring(0, first));
      for (byte b : header) {
        if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
          return b == '{';
        }
      }
      return false;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Whether tokens of {@code issuer} can be introspected. */
  public boolean introspects(String issuer) {
    return endpoints.containsKey(issuer);
  }

  /**
   * The caller an opaque token stands for, as the default issuer's endpoint says.
   *
   * @throws TokenRejectedException {@code invalid_token}: inactive, or its answer fails a check
   * @throws KeysUnavailableException ({@link KeysUnavailableException.Reason#INTROSPECTION_UNAVAILABLE}) when the
   *     endpoint gives no usable answer, or too many calls are under way
   */
  public ClientPrincipal introspect(String token) throws TokenRejectedException, KeysUnavailableException {
    if (token.length() > maxTokenLength) {
      throw new TokenRejectedException(BearerError.INVALID_TOKEN, "The access token is too long");
    }
    return answer(token, defaultEndpoint).principal(clock.millis(), skewMillis);
  }

  /**
   * Confirms with {@code issuer}'s endpoint that a JWT which passed local validation is still active; does nothing
   * when {@code issuer} has no introspection.
   */
  public void confirm(String token, String issuer) throws TokenRejectedException, KeysUnavailableException {
    IntrospectionEndpoint endpoint = endpoints.get(issuer);
    if (endpoint != null) {
      answer(token, endpoint).principal(clock.millis(), skewMillis);
    }
  }

  /**
   * The caller of an opaque token whose answer is cached and acceptable now, else empty: never calls, never waits.
   * With {@code issuer} non-null, the cached answer of that issuer's endpoint (for a JWT), else the default one's.
   */
  public Optional<ClientPrincipal> cached(String token, String issuer) {
    IntrospectionEndpoint endpoint = issuer == null ? defaultEndpoint : endpoints.get(issuer);
    if (cache == null || endpoint == null || token.length() > maxTokenLength) {
      return Optional.empty();
    }
    CompletableFuture<IntrospectionAnswer> future = cache.getIfPresent(key(endpoint.issuer(), token));
    if (future == null || !future.isDone() || future.isCompletedExceptionally()) {
      return Optional.empty();
    }
    try {
      return Optional.of(future.join().principal(clock.millis(), skewMillis));
    } catch (TokenRejectedException e) {
      return Optional.empty();
    }
  }

  private IntrospectionAnswer answer(String token, IntrospectionEndpoint endpoint) throws KeysUnavailableException {
    Key key = key(endpoint.issuer(), token);
    boolean[] started = new boolean[1];
    CompletableFuture<IntrospectionAnswer> future;
    if (cache != null) {
      future = cache.get(key, (k, ignored) -> {
        started[0] = true;
        return start(endpoint, token);
      });
    } else {
      // A finished call is never joined: with the cache off, every request after it asks the endpoint again.
      future = inFlight.compute(key, (k, existing) -> {
        if (existing != null && !existing.isDone()) {
          return existing;
        }
        started[0] = true;
        return start(endpoint, token);
      });
      if (started[0]) {
        // Outside compute: a call that failed at once (too many under way) completes here, on this thread.
        CompletableFuture<IntrospectionAnswer> call = future;
        call.whenComplete((answer, error) -> inFlight.remove(key, call));
      }
    }
    if (!started[0]) {
      endpoint.cacheHits.increment();
    }
    try {
      return future.get(waitNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw unavailable(endpoint, new IntrospectionFailure("no answer from the introspection endpoint of "
          + endpoint.issuer() + " within " + Duration.ofNanos(waitNanos)), RETRY_AFTER_FAILURE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(endpoint, new IntrospectionFailure("interrupted while waiting for introspection"),
          RETRY_AFTER_FAILURE);
    } catch (ExecutionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof Busy) {
        throw new KeysUnavailableException("Too many introspection calls under way (introspection-max-concurrency)",
            RETRY_AFTER_BUSY, null, KeysUnavailableException.Reason.INTROSPECTION_UNAVAILABLE);
      }
      throw unavailable(endpoint, cause, RETRY_AFTER_FAILURE);
    }
  }

  private CompletableFuture<IntrospectionAnswer> start(IntrospectionEndpoint endpoint, String token) {
    if (!permits.tryAcquire()) {
      endpoint.refusedBusy.increment();
      return CompletableFuture.failedFuture(new Busy());
    }
    CompletableFuture<IntrospectionAnswer> call;
    try {
      call = endpoint.introspect(token);
    } catch (RuntimeException e) {
      permits.release();
      return CompletableFuture.failedFuture(new IntrospectionFailure("introspection could not start: " + e, e));
    }
    call.whenComplete((answer, error) -> permits.release());
    return call;
  }

  private KeysUnavailableException unavailable(IntrospectionEndpoint endpoint, Throwable cause, Duration retryAfter) {
    long now = System.nanoTime();
    long last = lastWarnNanos.get();
    if (now - last >= WARN_INTERVAL_NANOS && lastWarnNanos.compareAndSet(last, now)) {
      log.warn("Token introspection for issuer {} failed, requests with opaque tokens answered 503 (logged once a"
          + " minute): {}", endpoint.issuer(), cause.getMessage());
    }
    return new KeysUnavailableException("Token introspection failed: " + cause.getMessage(), retryAfter, cause,
        KeysUnavailableException.Reason.INTROSPECTION_UNAVAILABLE);
  }

  /** Each introspection endpoint's health, in configuration order. */
  public List<IntrospectionHealth> health() {
    List<IntrospectionHealth> health = new ArrayList<>();
    healthOrder.forEach(endpoint -> health.add(endpoint.health()));
    return List.copyOf(health);
  }

  /** Cancels nothing under way (each call ends within its deadline) but stops new calls and the threads. */
  @Override
  public void close() {
    http.close();
    executor.shutdownNow();
  }

  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static Key key(String issuer, String token) {
    MessageDigest sha256 = SHA_256.get();
    ByteBuffer digest = ByteBuffer.wrap(sha256.digest(token.getBytes(StandardCharsets.UTF_8)));
    return new Key(issuer, digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
  }

  /** Active answers until the earlier of exp and the maximum TTL; every other answer for the negative TTL. */
  private final class AnswerExpiry implements Expiry<Key, IntrospectionAnswer> {
    @Override
    public long expireAfterCreate(Key key, IntrospectionAnswer answer, long currentTime) {
      if (!answer.acceptable()) {
        return negativeTtlNanos;
      }
      long untilExpiry = TimeUnit.MILLISECONDS.toNanos(Math.max(0, answer.expiresAtMillis() - clock.millis()));
      return Math.min(maxTtlNanos, untilExpiry);
    }

    @Override
    public long expireAfterUpdate(Key key, IntrospectionAnswer answer, long currentTime, long currentDuration) {
      return expireAfterCreate(key, answer, currentTime);
    }

    @Override
    public long expireAfterRead(Key key, IntrospectionAnswer answer, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /** Too many calls under way: answered 503 at once. */
  private static final class Busy extends Exception {
    private static final long serialVersionUID = 1L;

    Busy() {
      super("too many introspection calls under way", null, false, false);
    }
  }
}
