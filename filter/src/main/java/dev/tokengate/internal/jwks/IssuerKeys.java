package dev.tokengate.internal.jwks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import dev.tokengate.IssuerHealth;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.KeysUnavailableException.Reason;
import dev.tokengate.internal.log.OperatorLog;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

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
 * <p><b>No request thread touches the network.</b> Every fetch runs on the refresher's fetch executor under a total
 * deadline ({@link Policy#fetchTimeout()}, connect + headers + body, discovery included); a request that needs keys
 * only joins the fetch, for at most {@link Policy#waitLimit()} in total, however many rounds it takes.
 *
 * <p>The life of a snapshot, with {@code ttl} the response's {@code max-age} clamped to the configured range (or the
 * configured TTL when it sent none):
 *
 * <ul>
 *   <li>at three quarters of {@code ttl} the {@link #maintain() background refresher} fetches a new set, so that no
 *       request ever waits for a scheduled refresh;
 *   <li>when that fails, the snapshot keeps serving past its expiry for up to the maximum staleness, while retries back
 *       off (1 s doubling up to 1 min);
 *   <li>beyond that, or when no keys were ever loaded, a request gets {@link KeysUnavailableException} (503) with a
 *       {@code Retry-After} of the next attempt, never a 401.
 * </ul>
 *
 * <p><b>Unknown kids.</b> A token naming a key not in the set may mean the issuer rotated: a refresh is allowed when
 * the rate limit (a token bucket: {@link Policy#refreshBurst()} at once, one more per {@link
 * Policy#forcedRefreshInterval()}) lets it. When it does not, a refresh is scheduled for the moment it will, and the
 * token is answered 503 {@link Reason#KEY_REFRESH_PENDING} with {@code Retry-After} until then; the same {@code kid}
 * seen again after a refresh that began later is unknown for sure, and answered 401.
 */
public final class IssuerKeys {
  // Key-server trouble reaches the container's log even when no SLF4J provider is bound.
  private static final OperatorLog log = OperatorLog.forClass(IssuerKeys.class);
  private static final long NEVER = Long.MIN_VALUE;
  private static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
  /** Time for a finished fetch to build its verifiers and hand them over, beyond the fetch's own deadline. */
  static final Duration HAND_OVER = Duration.ofMillis(250);
  /** A joined fetch is followed by a re-check; bounded so that a stream of refreshes cannot hold a request. */
  private static final int MAX_UNKNOWN_KID_ROUNDS = 3;
  /** Kids answered "refresh pending", so that the same kid after that refresh is a 401; bounded against floods. */
  private static final int MAX_PENDING_KIDS = 10_000;

  /**
   * How keys are cached and refreshed.
   *
   * @param timeToLive how long a set is used when its response carries no {@code max-age}
   * @param minTimeToLive the least a {@code max-age} is raised to
   * @param maxTimeToLive the most a {@code max-age} is lowered to
   * @param forcedRefreshInterval one refresh for an unknown {@code kid} per this interval, beyond the burst
   * @param maxStaleness how long past its expiry a set keeps serving while refreshes fail
   * @param fetchTimeout the total deadline of one load (discovery and JWKS, connect, headers and body)
   * @param refreshBurst how many unknown-kid refreshes may run at once before the interval applies
   */
  public record Policy(
      Duration timeToLive,
      Duration minTimeToLive,
      Duration maxTimeToLive,
      Duration forcedRefreshInterval,
      Duration maxStaleness,
      Duration fetchTimeout,
      int refreshBurst) {
    /** The longest a request waits for keys, in total: a fetch's deadline plus its hand-over. */
    public Duration waitLimit() {
      return fetchTimeout.plus(HAND_OVER);
    }
  }

  /**
   * A snapshot and its times, in clock millis so that the hot path compares longs.
   *
   * @param fetch the number of the fetch that produced it: a kid missing from a snapshot whose fetch began after the
   *     kid was first asked for is unknown for sure
   */
  private record Cached(KeySet keys, long fetch, long fetchedAt, long refreshAt, long expiresAt, long usableUntil) {}

  private final String issuer;
  private final Optional<URI> configuredJwksUri;
  private final HttpDocumentFetcher fetcher;
  private final Set<JWSAlgorithm> acceptedAlgorithms;
  private final Clock clock;
  private final Policy policy;
  private final Executor fetchExecutor;
  private final KeySnapshots snapshots;

  private volatile Cached cached;
  private volatile URI discoveredJwksUri;
  private volatile boolean closed;
  private final AtomicReference<CompletableFuture<Cached>> inFlight = new AtomicReference<>();
  private final AtomicLong fetchesStarted = new AtomicLong();
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  /** The binding of each key that verified a token, by verifier identity; a key's entry goes when the key goes. */
  private final Map<JWSVerifier, KeyBinding> bindings = new ConcurrentHashMap<>();
  private final Cache<String, Long> pendingKids = Caffeine.newBuilder().maximumSize(MAX_PENDING_KIDS)
      .executor(Runnable::run).build();
  /** The rejected entries last warned about, so that each bad entry is logged once, not at every refresh. */
  private volatile Set<String> warnedRejections = Set.of();

  // The unknown-kid rate limit as a token bucket in GCRA form: the theoretical time at which the bucket is full.
  private long bucketFullAt = NEVER;
  private volatile long scheduledRefreshAt = NEVER;

  // Written only by the thread running the (single-flight) fetch; read by anyone.
  private volatile int consecutiveFailures;
  private volatile long nextAttemptMillis = NEVER;
  private volatile String lastError;
  private volatile long lastSuccessMillis = NEVER;
  private volatile boolean failing;
  private volatile boolean snapshotTried;

  public IssuerKeys(
      String issuer,
      Optional<URI> jwksUri,
      HttpDocumentFetcher fetcher,
      Set<JWSAlgorithm> acceptedAlgorithms,
      Clock clock,
      Policy policy,
      Executor fetchExecutor,
      KeySnapshots snapshots) {
    this.issuer = issuer;
    this.configuredJwksUri = jwksUri;
    this.fetcher = fetcher;
    this.acceptedAlgorithms = Set.copyOf(acceptedAlgorithms);
    this.clock = clock;
    this.policy = policy;
    this.fetchExecutor = fetchExecutor;
    this.snapshots = snapshots;
  }

  /**
   * The verifiers to try for a token with this header. Never waits for a scheduled refresh: a set past its refresh
   * time or even its expiry keeps serving while the background refresher works. Waits (at most {@link
   * Policy#waitLimit()} in all) only when no usable set exists yet, or for the refresh an unknown {@code kid} may
   * trigger.
   *
   * @return the candidates, empty when no usable key fits the header (then the token is {@code invalid_token})
   * @throws KeysUnavailableException when no usable keys can be had, a refresh for an unknown kid failed or is
   *     pending, or this was {@link #close() closed}
   */
  public List<JWSVerifier> verifiersFor(JWSHeader header) throws KeysUnavailableException {
    if (closed) {
      throw closedException();
    }
    // Read before the snapshot: a fetch numbered above this began after this request saw its kid missing.
    long fetchesSeen = fetchesStarted.get();
    Cached current = cached;
    long deadline = NEVER;
    if (current == null || clock.millis() >= current.usableUntil()) {
      deadline = System.nanoTime() + policy.waitLimit().toNanos();
      current = loadForRequest(deadline);
    }
    List<JWSVerifier> candidates = current.keys().candidates(header);
    String kid = header.getKeyID();
    if (!candidates.isEmpty() || kid == null || current.keys().containsKid(kid)) {
      return candidates;
    }
    if (deadline == NEVER) {
      deadline = System.nanoTime() + policy.waitLimit().toNanos();
    }
    for (int round = 0; round < MAX_UNKNOWN_KID_ROUNDS; round++) {
      if (current.fetch() > fetchesSeen) {
        // A fetch that began after this kid was asked for did not bring it: unknown for sure.
        return candidates;
      }
      CompletableFuture<Cached> running = inFlight.get();
      Cached latest = cached;
      if (latest != null && latest != current) {
        current = latest;
      } else if (running != null) {
        // Someone is fetching already (another request with this kid, or the refresher): share its result.
        current = awaitForKid(running, deadline);
      } else if (clock.millis() < nextAttemptMillis) {
        // The key server is known to be failing: the token cannot be checked now, which is not the caller's fault.
        throw unavailable(null);
      } else {
        long refusedUntil = tryAcquireRefresh();
        if (refusedUntil == NEVER) {
          current = awaitForKid(startFetch(), deadline);
        } else {
          return pending(kid, current, refusedUntil);
        }
      }
      candidates = current.keys().candidates(header);
      if (!candidates.isEmpty() || current.keys().containsKid(kid)) {
        return candidates;
      }
    }
    return candidates;
  }

  /**
   * Rate-limited: a kid already answered "pending" before a refresh that has since completed is unknown (401);
   * otherwise the caller is told to come back when the scheduled refresh has run (503).
   */
  private List<JWSVerifier> pending(String kid, Cached current, long refreshAt) throws KeysUnavailableException {
    Long askedBefore = pendingKids.getIfPresent(kid);
    if (askedBefore != null && current.fetch() > askedBefore) {
      return List.of();
    }
    if (askedBefore == null) {
      pendingKids.put(kid, fetchesStarted.get());
    }
    scheduleRefresh(refreshAt);
    long wait = Math.max(refreshAt, nextAttemptMillis) - clock.millis();
    return throwPending(Duration.ofSeconds(Math.max(1, (wait + 999) / 1000)));
  }

  private List<JWSVerifier> throwPending(Duration retryAfter) throws KeysUnavailableException {
    throw new KeysUnavailableException(
        "Token of issuer " + issuer + " names a key not yet known; the refresh that may bring it runs in "
            + retryAfter.toSeconds() + " s (rate limit)",
        retryAfter, null, Reason.KEY_REFRESH_PENDING);
  }

  private synchronized void scheduleRefresh(long at) {
    if (scheduledRefreshAt == NEVER || at < scheduledRefreshAt) {
      scheduledRefreshAt = at;
    }
  }

  /**
   * Takes one unknown-kid refresh from the bucket.
   *
   * @return {@link #NEVER} when granted, else the clock millis at which one will be
   */
  private synchronized long tryAcquireRefresh() {
    long now = clock.millis();
    long interval = policy.forcedRefreshInterval().toMillis();
    long full = bucketFullAt == NEVER ? now : Math.max(bucketFullAt, now);
    long allowedAt = full - (policy.refreshBurst() - 1) * interval;
    if (allowedAt > now) {
      return allowedAt;
    }
    bucketFullAt = full + interval;
    return NEVER;
  }

  /**
   * Called by the refresher's tick: starts a background fetch when the set is due for refresh (or was never loaded, or
   * a refresh for an unknown kid is scheduled) and no retry back-off is running. Never blocks: the fetch runs on the
   * fetch executor, so hanging key servers cannot starve the schedule.
   */
  public void maintain() {
    if (closed || inFlight.get() != null) {
      return;
    }
    long now = clock.millis();
    if (now < nextAttemptMillis) {
      return;
    }
    Cached current = cached;
    if (current == null || now >= current.refreshAt()) {
      startFetch();
      return;
    }
    long scheduled = scheduledRefreshAt;
    if (scheduled != NEVER && now >= scheduled && tryAcquireRefresh() == NEVER) {
      synchronized (this) {
        scheduledRefreshAt = NEVER;
      }
      startFetch();
    }
  }

  /**
   * Registers a listener told when a refresh left out a key the previous set had (a key removed, or a kid reused with
   * other material), e.g. to drop the tokens it verified. Called on the fetching thread, after the new keys are in
   * place.
   */
  public void onKeysRemoved(Runnable listener) {
    changeListeners.add(listener);
  }

  /**
   * What a cache remembers with a token this issuer's key verified: still true exactly while that very key (by
   * identity: same material, kid and algorithms, see {@link KeySet#parse}) is in the current set and the set is within
   * the maximum staleness. A volatile read, an identity-set lookup and a clock read.
   */
  public KeyBinding bindingFor(JWSVerifier verifier) {
    // One binding per key, shared by every token it verified: the validated-token cache keeps one per entry.
    return bindings.computeIfAbsent(verifier, v -> new KeyBinding() {
      @Override
      public boolean stillUsable() {
        return stillUsable(clock.millis());
      }

      @Override
      public boolean stillUsable(long now) {
        Cached current = cached;
        return current != null && !closed && current.keys().containsVerifier(v) && now < current.usableUntil();
      }
    });
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

  /** Refuses every further request and fetch; a fetch under way is ended by its executor's shutdown. */
  public void close() {
    closed = true;
  }

  /** A read-only view of this issuer's key state. */
  public IssuerHealth health() {
    long now = clock.millis();
    Cached current = cached;
    boolean usable = current != null && now < current.usableUntil() && !closed;
    long success = lastSuccessMillis;
    return new IssuerHealth(
        issuer,
        Optional.ofNullable(configuredJwksUri.orElse(discoveredJwksUri)),
        usable ? current.keys().size() : 0,
        success == NEVER ? Optional.empty() : Optional.of(Instant.ofEpochMilli(success)),
        Optional.ofNullable(closed ? "the validator is closed" : lastError),
        current != null && now >= current.expiresAt());
  }

  /** No usable set: join the fetch under way, start one if the back-off allows, or refuse with a Retry-After. */
  private Cached loadForRequest(long deadline) throws KeysUnavailableException {
    CompletableFuture<Cached> running = inFlight.get();
    if (running == null) {
      Cached latest = cached;
      if (latest != null && clock.millis() < latest.usableUntil()) {
        return latest;
      }
      if (clock.millis() < nextAttemptMillis) {
        throw unavailable(null);
      }
      running = startFetch();
    }
    Cached loaded = await(running, deadline);
    if (clock.millis() >= loaded.usableUntil()) {
      throw unavailable(null);
    }
    return loaded;
  }

  /** Starts a fetch on the fetch executor, or returns the one already under way. Never blocks. */
  private CompletableFuture<Cached> startFetch() {
    CompletableFuture<Cached> mine = new CompletableFuture<>();
    CompletableFuture<Cached> running = inFlight.compareAndExchange(null, mine);
    if (running != null) {
      return running;
    }
    long number = fetchesStarted.incrementAndGet();
    try {
      if (closed) {
        throw new RejectedExecutionException("closed");
      }
      fetchExecutor.execute(() -> runFetch(mine, number));
    } catch (RejectedExecutionException e) {
      inFlight.compareAndSet(mine, null);
      mine.completeExceptionally(new IOException("the validator is closed"));
    }
    return mine;
  }

  private void runFetch(CompletableFuture<Cached> mine, long number) {
    try {
      Cached fresh;
      try {
        fresh = load(number);
      } catch (IOException | RuntimeException e) {
        Cached fallback = closed ? null : recordFailure(e);
        inFlight.compareAndSet(mine, null);
        if (fallback != null) {
          mine.complete(fallback);
        } else {
          mine.completeExceptionally(e);
        }
        return;
      }
      install(fresh);
      inFlight.compareAndSet(mine, null);
      mine.complete(fresh);
    } catch (Throwable e) {
      // An Error (out of memory, a linkage error) must not leave joiners waiting for a future no one completes.
      inFlight.compareAndSet(mine, null);
      mine.completeExceptionally(e);
      try {
        if (!closed) {
          recordFailure(new IOException("loading the keys failed: " + e, e));
        }
      } catch (Throwable again) {
        e.addSuppressed(again);
      }
      if (e instanceof Error error) {
        throw error;
      }
    }
  }

  private void install(Cached fresh) {
    Cached previous = cached;
    cached = fresh;
    // A removed key's binding stays valid for the entries holding it (it answers false); only the map forgets it.
    bindings.keySet().removeIf(verifier -> !fresh.keys().containsVerifier(verifier));
    recordSuccess(fresh);
    if (previous != null && removedAny(previous.keys(), fresh.keys())) {
      changeListeners.forEach(Runnable::run);
    }
  }

  private Cached awaitForKid(CompletableFuture<Cached> running, long deadline) throws KeysUnavailableException {
    try {
      return await(running, deadline);
    } catch (KeysUnavailableException e) {
      throw notBeforeNextRefresh(e);
    }
  }

  private Cached await(CompletableFuture<Cached> running, long deadline) throws KeysUnavailableException {
    try {
      return running.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (closed) {
        throw closedException();
      }
      throw unavailable(e.getCause());
    } catch (TimeoutException e) {
      throw unavailable(new IOException("no keys within " + policy.waitLimit()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(e);
    }
  }

  /**
   * A caller retrying an unknown kid sooner than the rate limit allows would meet the same failure: tell it to come
   * back when a refresh may run again.
   */
  private KeysUnavailableException notBeforeNextRefresh(KeysUnavailableException e) {
    long allowedAt;
    synchronized (this) {
      long full = bucketFullAt == NEVER ? clock.millis() : bucketFullAt;
      allowedAt = full - (policy.refreshBurst() - 1) * policy.forcedRefreshInterval().toMillis();
    }
    long wait = allowedAt - clock.millis();
    if (wait <= e.retryAfter().toMillis()) {
      return e;
    }
    return new KeysUnavailableException(e.getMessage(), Duration.ofSeconds((wait + 999) / 1000), e.getCause(),
        e.reason());
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

  /** Records a failed fetch; returns the last-good snapshot from disk when this was the first load and one is usable. */
  private Cached recordFailure(Exception e) {
    int failures = consecutiveFailures + 1;
    consecutiveFailures = failures;
    long backoff = INITIAL_BACKOFF.toMillis() << Math.min(failures - 1, 16);
    nextAttemptMillis = clock.millis() + Math.min(backoff, MAX_BACKOFF.toMillis());
    lastError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    Cached current = cached;
    Cached restored = null;
    if (current == null && !snapshotTried && snapshots != null) {
      snapshotTried = true;
      restored = restoreSnapshot();
      current = restored;
    }
    if (!failing) {
      failing = true;
      // Once per episode: an outage must not turn into a log line per request.
      if (restored != null) {
        log.warn("Cannot load the signing keys of issuer {}: {}; serving the last good keys saved at {} until {}",
            issuer, lastError, Instant.ofEpochMilli(restored.fetchedAt()), Instant.ofEpochMilli(restored.usableUntil()));
      } else if (current != null && clock.millis() < current.usableUntil()) {
        log.warn("Cannot refresh the signing keys of issuer {}: {}; the last good keys keep serving until {}",
            issuer, lastError, Instant.ofEpochMilli(current.usableUntil()));
      } else {
        log.warn("Cannot load the signing keys of issuer {}: {}; tokens cannot be checked (503) until it works",
            issuer, lastError);
      }
    } else {
      log.debug("Still cannot load the signing keys of issuer {} (attempt {}): {}", issuer, failures, lastError);
    }
    return restored;
  }

  /** The snapshot saved by an earlier run, when it is this issuer's, parses, and is within the maximum staleness. */
  private Cached restoreSnapshot() {
    Optional<KeySnapshots.Snapshot> saved = snapshots.read(issuer);
    if (saved.isEmpty()) {
      return null;
    }
    KeySnapshots.Snapshot snapshot = saved.get();
    KeySet keys;
    try {
      keys = KeySet.parse(snapshot.jwks(), acceptedAlgorithms, null);
    } catch (ParseException e) {
      log.warn("Ignoring the saved keys of issuer {}: they do not parse ({})", issuer, e.getMessage());
      return null;
    }
    long fetchedAt = snapshot.fetchedAtMillis();
    long ttl = timeToLive(snapshot.maxAge()).toMillis();
    long expiresAt = saturatedAdd(fetchedAt, Duration.ofMillis(ttl));
    long usableUntil = saturatedAdd(expiresAt, policy.maxStaleness());
    if (keys.size() == 0 || fetchedAt > clock.millis() || clock.millis() >= usableUntil) {
      log.warn("Ignoring the saved keys of issuer {}: {}", issuer,
          keys.size() == 0 ? "no usable key" : "saved at " + Instant.ofEpochMilli(fetchedAt)
              + ", outside jwks-max-staleness");
      return null;
    }
    // Due for refresh at once: the background refresher keeps trying the key server (with back-off), and its
    // first success replaces these.
    // Fetch number 0: keys from disk prove nothing about a kid asked for now (it may be newer than they are).
    Cached restored = new Cached(keys, 0, fetchedAt, fetchedAt, expiresAt, usableUntil);
    cached = restored;
    return restored;
  }

  private boolean removedAny(KeySet previous, KeySet fresh) {
    Set<String> before = new HashSet<>(previous.thumbprints());
    before.removeAll(fresh.thumbprints());
    Set<String> kidsBefore = new HashSet<>(previous.kids());
    kidsBefore.removeAll(fresh.kids());
    if (!before.isEmpty() || !kidsBefore.isEmpty()) {
      log.info("Issuer {} removed or replaced signing keys {}", issuer, kidsBefore.isEmpty() ? before : kidsBefore);
      return true;
    }
    return false;
  }

  private Cached load(long number) throws IOException {
    long deadline = System.nanoTime() + policy.fetchTimeout().toNanos();
    URI jwksUri = configuredJwksUri.orElse(discoveredJwksUri);
    if (jwksUri == null) {
      jwksUri = IssuerMetadata.discoverJwksUri(issuer, fetcher, deadline, policy.fetchTimeout());
      discoveredJwksUri = jwksUri;
    }
    HttpDocumentFetcher.Document document = fetcher.fetch(jwksUri, deadline, policy.fetchTimeout());
    Cached previous = cached;
    KeySet keys;
    try {
      keys = KeySet.parse(document.body(), acceptedAlgorithms, previous == null ? null : previous.keys());
    } catch (ParseException e) {
      throw new IOException(jwksUri + " did not return a JWK set: " + e.getMessage());
    }
    warnRejected(keys, jwksUri);
    if (keys.size() == 0) {
      // An empty set would reject every token: keep the last good one instead, as for any failed fetch.
      throw new IOException(jwksUri + " holds no usable signing key");
    }
    long ttl = timeToLive(document.maxAge()).toMillis();
    long now = clock.millis();
    long expiresAt = now + ttl;
    if (snapshots != null) {
      snapshots.write(issuer, document.body(), now, document.maxAge());
    }
    return new Cached(keys, number, now, now + ttl * 3 / 4, expiresAt, saturatedAdd(expiresAt, policy.maxStaleness()));
  }

  private void warnRejected(KeySet keys, URI jwksUri) {
    Set<String> rejected = Set.copyOf(keys.rejected());
    for (String entry : rejected) {
      if (!warnedRejections.contains(entry)) {
        log.warn("Ignoring a malformed key in the JWKS of issuer {} ({}): {}; the other keys serve", issuer, jwksUri,
            entry);
      }
    }
    warnedRejections = rejected;
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

  private KeysUnavailableException closedException() {
    return new KeysUnavailableException("The token validator is closed; tokens of issuer " + issuer
        + " are no longer checked", Duration.ofSeconds(1), null, Reason.VALIDATOR_CLOSED);
  }

  private KeysUnavailableException unavailable(Throwable cause) {
    if (closed) {
      return closedException();
    }
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
