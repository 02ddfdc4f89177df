package dev.tokengate.internal.jwks;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.JWKSet;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of an issuer's JWKS lifecycle: discovery, fetch, the cached {@link KeySet}, refresh on expiry and on
 * an unknown {@code kid}.
 *
 * <p>Why tokengate owns this rather than Nimbus's {@code JWKSourceBuilder}: that source hands back raw JWKs on every
 * call, so the public keys and verifiers built from them would need a second cache keyed on the JWKs (two caches on
 * one lifecycle, drifting apart on rotation); it cannot honour a response's {@code Cache-Control: max-age}; and it
 * does not say which keys a refresh removed. Here one immutable snapshot is swapped atomically, the hot path is a
 * volatile read and a map lookup, and every refresh is single-flight: concurrent callers share one fetch.
 */
public final class IssuerKeys {
  private static final Logger log = LoggerFactory.getLogger(IssuerKeys.class);

  /** A snapshot and when it was fetched and expires. */
  private record Cached(KeySet keys, Instant fetchedAt, Instant expiresAt) {}

  private final String issuer;
  private final Optional<URI> configuredJwksUri;
  private final HttpDocumentFetcher fetcher;
  private final Set<JWSAlgorithm> acceptedAlgorithms;
  private final Clock clock;
  private final Duration timeToLive;
  private final Duration minForcedRefreshInterval;
  private final Duration waitLimit;

  private volatile Cached cached;
  private volatile URI discoveredJwksUri;
  private final AtomicReference<CompletableFuture<Cached>> inFlight = new AtomicReference<>();
  private static final long NEVER = Long.MIN_VALUE;
  private final AtomicLong lastForcedRefreshMillis = new AtomicLong(NEVER);
  private volatile boolean failing;
  private final List<Consumer<Set<String>>> removalListeners = new CopyOnWriteArrayList<>();

  public IssuerKeys(
      String issuer,
      Optional<URI> jwksUri,
      HttpDocumentFetcher fetcher,
      Set<JWSAlgorithm> acceptedAlgorithms,
      Clock clock,
      Duration timeToLive,
      Duration minForcedRefreshInterval,
      Duration waitLimit) {
    this.issuer = issuer;
    this.configuredJwksUri = jwksUri;
    this.fetcher = fetcher;
    this.acceptedAlgorithms = Set.copyOf(acceptedAlgorithms);
    this.clock = clock;
    this.timeToLive = timeToLive;
    this.minForcedRefreshInterval = minForcedRefreshInterval;
    this.waitLimit = waitLimit;
  }

  /**
   * The verifiers to try for a token with this header. Loads the keys on first use, refreshes them when they expired,
   * and refreshes once (rate-limited) when the header names a {@code kid} the snapshot lacks, since that usually means
   * the issuer rotated its keys.
   *
   * @return the candidates, empty when no usable key fits the header
   * @throws KeysUnavailableException when no keys could ever be loaded, or a refresh for an unknown kid failed
   */
  public List<JWSVerifier> verifiersFor(JWSHeader header) throws KeysUnavailableException {
    Cached current = cached;
    if (current == null) {
      current = refresh();
    } else if (!clock.instant().isBefore(current.expiresAt())) {
      current = refreshKeepingStale(current);
    }
    List<JWSVerifier> candidates = current.keys().candidates(header);
    String kid = header.getKeyID();
    if (candidates.isEmpty() && kid != null && !current.keys().containsKid(kid) && mayForceRefresh()) {
      candidates = refresh().keys().candidates(header);
    }
    return candidates;
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

  // An unknown kid usually means the issuer rotated its keys. Refetch at most once per interval, so that
  // forged kids cannot turn this service into a denial of service on the issuer; the rest are refused at once.
  private boolean mayForceRefresh() {
    long now = clock.millis();
    long last = lastForcedRefreshMillis.get();
    if (last != NEVER && now - last < minForcedRefreshInterval.toMillis()) {
      return false;
    }
    return lastForcedRefreshMillis.compareAndSet(last, now);
  }

  private Cached refreshKeepingStale(Cached stale) {
    try {
      return refresh();
    } catch (KeysUnavailableException e) {
      // The last good keys keep serving: tokens signed with them stay valid through an issuer outage.
      return stale;
    }
  }

  private Cached refresh() throws KeysUnavailableException {
    CompletableFuture<Cached> mine = new CompletableFuture<>();
    CompletableFuture<Cached> running = inFlight.compareAndExchange(null, mine);
    if (running == null) {
      try {
        Cached fresh = load();
        Cached previous = cached;
        cached = fresh;
        mine.complete(fresh);
        if (previous != null) {
          announceRemoved(previous.keys(), fresh.keys());
        }
        if (failing) {
          failing = false;
          log.info("JWKS of issuer {} is reachable again: {} usable keys", issuer, fresh.keys().size());
        }
        return fresh;
      } catch (IOException | RuntimeException e) {
        mine.completeExceptionally(e);
        throw unavailable(e);
      } finally {
        inFlight.compareAndSet(mine, null);
      }
    }
    try {
      return running.get(waitLimit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw unavailable(e.getCause());
    } catch (TimeoutException e) {
      throw unavailable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw unavailable(e);
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
      throw new IOException(jwksUri + " holds no usable signing key");
    }
    Instant now = clock.instant();
    return new Cached(keys, now, now.plus(timeToLive));
  }

  private KeysUnavailableException unavailable(Throwable cause) {
    if (!failing) {
      failing = true;
      // Once per episode: an outage must not turn into a log line per request.
      log.warn("Cannot load the signing keys of issuer {}: {}", issuer, cause.getMessage());
    }
    return new KeysUnavailableException(
        "Signing keys of issuer " + issuer + " are unavailable", Duration.ofSeconds(10), cause);
  }
}
