package dev.tokengate.internal.jwks;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import dev.tokengate.IssuerHealth;
import dev.tokengate.KeysUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of an issuer's JWKS lifecycle: discovery, fetch, the cached {@link KeySet}, refresh ahead of expiry,
 * refresh on an unknown {@code kid}, outage handling and the health view.
 *
 * <p>Why tokengate owns this rather than Nimbus's {@code JWKSourceBuilder}: that source hands back raw JWKs on every
 * call, so the public keys and verifiers built from them would need a second cache keyed on the JWKs (two caches on
 * one lifecycle, drifting apart on rotation); it cannot honour a response's {@code Cache-Control: max-age}; it cannot
 * tell "the key server is unreachable" (503) from "no such key" (401) in a way a caller can act on; and it does not
 * say which keys a refresh removed. Here one immutable snapshot is swapped atomically, the hot path is a volatile read
 * and a map lookup, and every fetch is single-flight: concurrent callers, the background refresher and an unknown-kid
 * refresh share one HTTP request.
 *
 * <p>The life of a snapshot, with {@code ttl} the response's {@code max-age} clamped to the configured range (or the
 * configured TTL when it sent none):
 *
 * <ul>
 *   <li>at three quarters of {@code ttl} the {@link #maintain(Executor) background refresher} fetches a new set, so
 *       that no request ever waits for a scheduled refresh;
 *   <li>when that fails, the snapshot keeps serving past its expiry for up to the maximum staleness, while retries back
 *       off (1 s doubling up to 1 min);
 *   <li>beyond that, or when no keys were ever loaded, a request gets {@link KeysUnavailableException} (503) with a
 *       {@code Retry-After} of the next attempt, never a 401.
 * </ul>
 */
public final class IssuerKeys {
  private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);
  private static final long NEVER = Long.MIN_VALUE;
  private static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
  /** A joined fetch is followed by a re-check; bounded so that a stream of refreshes cannot hold a request. */
  private static final int MAX_UNKNOWN_KID_ROUNDS = 3;

  /**
   * How keys are cached and refreshed.
   *
   * @param timeToLive how long a set is used when its response carries no {@code max-age}
   * @param minTimeToLive the least a {@code max-age} is raised to
   * @param maxTimeToLive the most a {@code max-age} is lowered to
   * @param forcedRefreshInterval at most one refresh for an unknown {@code kid} per this interval
   * @param maxStaleness how long past its expiry a set keeps serving while refreshes fail
   * @param waitLimit the longest a request waits for a fetch another thread is running
   */
  public record Policy(
      Duration timeToLive,
      Duration minTimeToLive,
      Duration maxTimeToLive,
      Duration forcedRefreshInterval,
      Duration maxStaleness,
      Duration waitLimit) {}

  /** A snapshot and its times, in clock millis so that the hot path compares longs. */
  private record Cached(KeySet keys, long fetchedAt, long refreshAt, long expiresAt, long usableUntil) {}

  private final String issuer;
  private final Optional<URI> configuredJwksUri;
  private final HttpDocumentFetcher fetcher;
  private final Set<JWSAlgorithm> acceptedAlgorithms;
  private final Clock clock;
  private final Policy policy;

  private volatile Cached cached;
  private volatile URI discoveredJwksUri;
  private final AtomicReference<CompletableFuture<Cached>> inFlight = new AtomicReference<>();
  private final AtomicLong lastForcedRefreshMillis = new AtomicLong(NEVER);
  private final AtomicBoolean backgroundQueued = new AtomicBoolean();
  private final List<Consumer<Set<String>>> removalListeners = new CopyOnWriteArrayList<>();

  // Written only by the thread running the (single-flight) fetch; read by anyone.
  private volatile int consecutiveFailures;
  private volatile long nextAttemptMillis = NEVER;
  private volatile String lastError;
  private volatile long lastSuccessMillis = NEVER;
  private volatile boolean failing;

  public IssuerKeys(
      String issuer,
      Optional<URI> jwksUri,
      HttpDocumentFetcher fetcher,
      Set<JWSAlgorithm> acceptedAlgorithms,
      Clock clock,
      Policy policy) {
    this.issuer = issuer;
    this.configuredJwksUri = jwksUri;
    this.fetcher = fetcher;
    this.acceptedAlgorithms = Set.copyOf(acceptedAlgorithms);
    this.clock = clock;
    this.policy = policy;
  }

  /**
   * The verifiers to try for a token with this header. Never waits for a scheduled refresh: a set past its refresh
   * time or even its expiry keeps serving while the background refresher works. Waits only when no usable set exists
   * yet (joining the fetch under way, if any), or for the one refresh an unknown {@code kid} may trigger.
   *
   * @return the candidates, empty when no usable key fits the header (then the token is {@code invalid_token})
   * @throws KeysUnavailableException when no usable keys can be had, or a refresh for an unknown kid failed
   */
  public List<JWSVerifier> verifiersFor(JWSHeader header) throws KeysUnavailableException {
    Cached current = cached;
    if (current == null || clock.millis() >= current.usableUntil()) {
      current = loadForRequest();
    }
    List<JWSVerifier> candidates = current.keys().candidates(header);
    String kid = header.getKeyID();
    for (int round = 0;
        round < MAX_UNKNOWN_KID_ROUNDS && candidates.isEmpty() && kid != null && !current.keys().containsKid(kid);
        round++) {
      CompletableFuture<Cached> running = inFlight.get();
      Cached latest = cached;
      try {
        if (running != null) {
          // Someone is fetching already (another request with this kid, or the refresher): share its result.
          current = await(running);
        } else if (latest != null && latest != current) {
          // A fetch finished between our read and now: look again before asking for another.
          current = latest;
        } else if (mayForceRefresh()) {
          current = forcedRefresh();
        } else {
          // Rate-limited: refused at once, without waiting, so that forged kids cost nothing.
          break;
        }
      } catch (KeysUnavailableException e) {
        throw notBeforeNextForcedRefresh(e);
      }
      candidates = current.keys().candidates(header);
    }
    return candidates;
  }

  /**
   * Called by the refresher's tick: queues a background fetch when the set is due for refresh (or was never loaded)
   * and no retry back-off is running. Returns at once; the fetch runs on {@code executor}.
   */
  public void maintain(Executor executor) {
    if (!dueForBackgroundFetch() || !backgroundQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(() -> {
        try {
          if (dueForBackgroundFetch()) {
            refresh();
          }
        } catch (KeysUnavailableException e) {
          // Already recorded and logged once per episode by refresh(); the old set keeps serving meanwhile.
        } finally {
          backgroundQueued.set(false);
        }
      });
    } catch (RejectedExecutionException e) {
      backgroundQueued.set(false);
    }
  }

  /**
   * Registers a listener told the {@code kid}s a refresh removed, e.g. so that tokens verified with them stop
   * passing anywhere they were remembered. Called on the refreshing thread, after the new keys are in place.
   */
  public void onKeysRemoved(Consumer<Set<String>> listener) {
    removalListeners.add(listener);
  }

  /** The current snapshot, if keys were ever loaded. */
  public Optional<KeySet> currentKeys() {
    Cached current = cached;
    return current == null ? Optional.empty() : Optional.of(current.keys());
  }

  /** The issuer these keys belong to. */
  public String issuer() {
    return issuer;
  }

  /** A read-only view of this issuer's key state. */
  public IssuerHealth health() {
    long now = clock.millis();
    Cached current = cached;
    boolean usable = current != null && now < current.usableUntil();
    long success = lastSuccessMillis;
    return new IssuerHealth(
        issuer,
        Optional.ofNullable(configuredJwksUri.orElse(discoveredJwksUri)),
        usable ? current.keys().size() : 0,
        success == NEVER ? Optional.empty() : Optional.of(Instant.ofEpochMilli(success)),
        Optional.ofNullable(lastError),
        current != null && now >= current.expiresAt());
  }

  private boolean dueForBackgroundFetch() {
    long now = clock.millis();
    Cached current = cached;
    return (current == null || now >= current.refreshAt()) && now >= nextAttemptMillis && inFlight.get() == null;
  }

  /** No usable set: join the fetch under way, start one if the back-off allows, or refuse with a Retry-After. */
  private Cached loadForRequest() throws KeysUnavailableException {
    CompletableFuture<Cached> running = inFlight.get();
    if (running != null) {
      return await(running);
    }
    Cached latest = cached;
    if (latest != null && clock.millis() < latest.usableUntil()) {
      return latest;
    }
    if (clock.millis() < nextAttemptMillis) {
      throw unavailable(null);
    }
    return refresh();
  }

  // An unknown kid usually means the issuer rotated its keys. Refetch at most once per interval, so that
  // forged kids cannot turn this service into a denial of service on the issuer; the rest are refused at once.
  private boolean mayForceRefresh() {
    long now = clock.millis();
    long last = lastForcedRefreshMillis.get();
    if (last != NEVER && now - last < policy.forcedRefreshInterval().toMillis()) {
      return false;
    }
    return lastForcedRefreshMillis.compareAndSet(last, now);
  }

  /**
   * A caller retrying an unknown kid sooner than the rate limit allows would get a 401 for a token that may be good:
   * tell it to come back when a refresh may run again.
   */
  private KeysUnavailableException notBeforeNextForcedRefresh(KeysUnavailableException e) {
    long last = lastForcedRefreshMillis.get();
    if (last == NEVER) {
      return e;
    }
    long wait = last + policy.forcedRefreshInterval().toMillis() - clock.millis();
    if (wait <= e.retryAfter().toMillis()) {
      return e;
    }
    return new KeysUnavailableException(e.getMessage(), Duration.ofSeconds((wait + 999) / 1000), e.getCause());
  }

  private Cached forcedRefresh() throws KeysUnavailableException {
    if (clock.millis() < nextAttemptMillis) {
      // The key server is known to be failing: the token cannot be checked now, which is not the caller's fault.
      throw unavailable(null);
    }
    return refresh();
  }

  /** Fetches a new set, or joins the fetch already under way. */
  private Cached refresh() throws KeysUnavailableException {
    CompletableFuture<Cached> mine = new CompletableFuture<>();
    CompletableFuture<Cached> running = inFlight.compareAndExchange(null, mine);
    if (running != null) {
      return await(running);
    }
    try {
      Cached fresh;
      try {
        fresh = load();
      } catch (IOException | RuntimeException e) {
        recordFailure(e);
        mine.completeExceptionally(e);
        throw unavailable(e);
      }
      Cached previous = cached;
      cached = fresh;
      recordSuccess(fresh);
      mine.complete(fresh);
      if (previous != null) {
        announceRemoved(previous.keys(), fresh.keys());
      }
      return fresh;
    } finally {
      inFlight.compareAndSet(mine, null);
    }
  }

  private Cached await(CompletableFuture<Cached> running) throws KeysUnavailableException {
    try {
      return running.get(policy.waitLimit().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw unavailable(e.getCause());
    } catch (TimeoutException e) {
      throw unavailable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(e);
    }
  }

  private void recordSuccess(Cached fresh) {
    consecutiveFailures = 0;
    nextAttemptMillis = NEVER;
    lastError = null;
    lastSuccessMillis = fresh.fetchedAt();
    if (failing) {
      failing = false;
      log.info("JWKS of issuer {} is reachable again: {} usable keys", issuer, fresh.keys().size());
    }
  }

  private void recordFailure(Exception e) {
    int failures = consecutiveFailures + 1;
    consecutiveFailures = failures;
    long backoff = INITIAL_BACKOFF.toMillis() << Math.min(failures - 1, 16);
    nextAttemptMillis = clock.millis() + Math.min(backoff, MAX_BACKOFF.toMillis());
    lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Cached current = cached;
    if (!failing) {
      failing = true;
      // Once per episode: an outage must not turn into a log line per request.
      if (current != null && clock.millis() < current.usableUntil()) {
        log.warn("Cannot refresh the signing keys of issuer {}: {}; the last good keys keep serving until {}",
            issuer, lastError, Instant.ofEpochMilli(current.usableUntil()));
      } else {
        log.warn("Cannot load the signing keys of issuer {}: {}; tokens cannot be checked (503) until it works",
            issuer, lastError);
      }
    } else {
      log.debug("Still cannot load the signing keys of issuer {} (attempt {}): {}", issuer, failures, lastError);
    }
  }

  private void announceRemoved(KeySet previous, KeySet fresh) {
    Set<String> removed = new HashSet<>(previous.kids());
    removed.removeAll(fresh.kids());
    if (!removed.isEmpty()) {
      log.info("Issuer {} removed signing keys {}", issuer, removed);
      Set<String> kids = Set.copyOf(removed);
      removalListeners.forEach(listener -> listener.accept(kids));
    }
  }

  private Cached load() throws IOException {
    URI jwksUri = configuredJwksUri.orElse(discoveredJwksUri);
    if (jwksUri == null) {
      jwksUri = IssuerMetadata.discoverJwksUri(issuer, fetcher);
      discoveredJwksUri = jwksUri;
    }
    HttpDocumentFetcher.Document document = fetcher.fetch(jwksUri);
    KeySet keys;
    try {
      keys = KeySet.of(JWKSet.parse(document.body()), acceptedAlgorithms);
    } catch (ParseException e) {
      throw new IOException(jwksUri + " did not return a JWK set: " + e.getMessage());
    }
    if (keys.size() == 0) {
      // An empty set would reject every token: keep the last good one instead, as for any failed fetch.
      throw new IOException(jwksUri + " holds no usable signing key");
    }
    long ttl = timeToLive(document.maxAge()).toMillis();
    long now = clock.millis();
    long expiresAt = now + ttl;
    return new Cached(keys, now, now + ttl * 3 / 4, expiresAt, saturatedAdd(expiresAt, policy.maxStaleness()));
  }

  private Duration timeToLive(Optional<Duration> maxAge) {
    if (maxAge.isEmpty()) {
      return policy.timeToLive();
    }
    Duration ttl = maxAge.get();
    if (ttl.compareTo(policy.minTimeToLive()) < 0) {
      return policy.minTimeToLive();
    }
    return ttl.compareTo(policy.maxTimeToLive()) > 0 ? policy.maxTimeToLive() : ttl;
  }

  private KeysUnavailableException unavailable(Throwable cause) {
    long wait = nextAttemptMillis == NEVER ? 0 : nextAttemptMillis - clock.millis();
    Duration retryAfter = Duration.ofSeconds(Math.max(1, (wait + 999) / 1000));
    String reason = cause != null && cause.getMessage() != null ? cause.getMessage() : lastError;
    return new KeysUnavailableException(
        "Signing keys of issuer " + issuer + " are unavailable" + (reason == null ? "" : ": " + reason),
        retryAfter,
        cause);
  }

  private static long saturatedAdd(long millis, Duration duration) {
    try {
      return Math.addExact(millis, duration.toMillis());
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
