package dev.tokengate;

import static java.util.Objects.requireNonNull;

import dev.tokengate.internal.introspection.Introspector;
import dev.tokengate.internal.jwks.HttpDocumentFetcher;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.jwks.KeyRefresher;
import dev.tokengate.internal.jwks.KeySnapshots;
import dev.tokengate.internal.token.AccessTokenVerifier;
import dev.tokengate.internal.token.ValidatedTokenCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Validates access tokens without a servlet container: a token string in, a {@link ClientPrincipal} out.
 *
 * <pre>{@code
 * TokenValidator validator = TokenValidator.create(TokenGateConfig.builder()
 *     .issuer("https://login.example.com/realms/api")
 *     .audiences("orders-api")
 *     .build());
 * try {
 *   ClientPrincipal caller = validator.validate(token);
 * } catch (TokenRejectedException e) {      // the caller's fault: e.error() is the RFC 6750 code
 * } catch (KeysUnavailableException e) {    // the issuer's keys cannot be had: try again later
 * }
 * }</pre>
 *
 * <p>An opaque token (anything but a compact JWS) is sent to the introspection endpoint (RFC 7662) of the issuer
 * configured with {@link Introspection}, and its answer passes the same checks; see {@link
 * TokenGateConfig.Builder#introspectionCacheMaxTtl} for how long an answer is remembered. Without introspection an
 * opaque token is refused as malformed.
 *
 * <p>Checks, in order: the token's syntax and length; the {@code alg} header against the allow-list; {@code typ};
 * that no {@code crit} header is present; {@code iss}; the signature, with the issuer's key found by {@code kid}
 * (never from {@code jku}, {@code x5u}, {@code jwk} or {@code x5c}); {@code exp} (required), {@code nbf} and {@code
 * iat} with the clock skew; {@code aud}; then it reads the client id and scopes.
 *
 * <p>A token that passed is remembered until its {@code exp} (see {@link TokenGateConfig.Builder#tokenCacheSize}),
 * so the same token sent again costs a lookup, not a signature check; its times are still checked on every use, and
 * it is forgotten when its issuer removes the key that signed it. Refused tokens are never remembered.
 *
 * <p>Thread-safe; create one per application and share it, and {@link #close()} it on shutdown. Each trusted
 * issuer's keys are loaded in the background from creation on, cached, and refreshed ahead of expiry by a few daemon
 * threads of its own ({@code tokengate-jwks-<n>-…}); a {@link #validate} never fetches on the calling thread, and
 * waits for keys at most {@link TokenGateConfig#jwksMaxWait()}. See {@link TokenGateConfig} for the {@code jwks-*}
 * settings and {@link #health()} for their state.
 */
public final class TokenValidator implements AutoCloseable {
  private final TokenGateConfig config;
  private final AccessTokenVerifier verifier;
  /** The keys of each trusted issuer, in configuration order; empty when only a shared secret is used. */
  private final Map<String, IssuerKeys> keys;
  private final KeyRefresher refresher;
  private final HttpDocumentFetcher fetcher;
  private volatile boolean closed;
  private final ValidatedTokenCache tokenCache;
  private final ValidatedTokenCache.Verification fullValidation;
  /** Token introspection (RFC 7662); {@code null} when no issuer has it, so the JWT path pays nothing for it. */
  private final Introspector introspector;

  private TokenValidator(TokenGateConfig config) {
    this.config = config;
    Set<String> asymmetric = new HashSet<>(config.algorithms());
    asymmetric.retainAll(TokenGateConfig.ASYMMETRIC_ALGORITHMS);
    Map<String, IssuerKeys> byIssuer = new LinkedHashMap<>();
    if (!asymmetric.isEmpty()) {
      refresher = new KeyRefresher(config.trustedIssuers().size());
      fetcher = new HttpDocumentFetcher(config.jwksConnectTimeout(), config.jwksMaxBytes(), refresher.httpExecutor());
      IssuerKeys.Policy policy = new IssuerKeys.Policy(config.jwksCacheTtl(), config.jwksMinCacheTtl(),
          config.jwksMaxCacheTtl(), config.jwksRefreshRateLimit(), config.jwksMaxStaleness(),
          config.jwksConnectTimeout().plus(config.jwksReadTimeout()), config.jwksRefreshBurst());
      KeySnapshots snapshots = config.jwksSnapshotDirectory().map(KeySnapshots::new).orElse(null);
      for (TrustedIssuer trusted : config.trustedIssuers()) {
        byIssuer.put(trusted.issuer(), new IssuerKeys(trusted.issuer(), trusted.jwksUri(), fetcher,
            AccessTokenVerifier.acceptedAlgorithms(config), config.clock(), policy, refresher.fetchExecutor(),
            snapshots));
      }
    } else {
      refresher = null;
      fetcher = null;
    }
    this.keys = Collections.unmodifiableMap(byIssuer);
    this.verifier = new AccessTokenVerifier(config, keys);
    this.fullValidation = verifier::verifyToken;
    this.tokenCache = new ValidatedTokenCache(config.tokenCacheSize(), config.clock(), config.clockSkew(),
        config.maxTokenLength());
    for (IssuerKeys issuerKeys : keys.values()) {
      // Eager clean-up only: a hit is refused anyway once its key left the set (see ValidatedTokenCache).
      issuerKeys.onKeysRemoved(tokenCache::dropUnusable);
    }
    this.introspector = config.introspection().isEmpty() ? null : new Introspector(config, keys);
    if (refresher != null) {
      refresher.start(List.copyOf(keys.values()));
    }
  }

  /**
   * Creates a validator and starts loading every issuer's keys in the background (discovery, then the JWKS). Returns
   * at once: an unreachable issuer does not stop the application from starting; its keys are retried with back-off,
   * and its tokens are answered with {@link KeysUnavailableException} until they load. Call {@link #close()} to stop
   * the background refresher.
   */
  public static TokenValidator create(TokenGateConfig config) {
    return new TokenValidator(requireNonNull(config, "config"));
  }

  /**
   * Validates a token.
   *
   * @param token the compact JWS, without the {@code Bearer } prefix
   * @return the caller the token describes
   * @throws TokenRejectedException when the token is not acceptable: {@link TokenRejectedException#error()} is
   *     {@link BearerError#INVALID_TOKEN} and the description says why, safe to return to the caller
   * @throws KeysUnavailableException when the issuer's keys cannot be had, so the token could not be checked; also
   *     (with {@link KeysUnavailableException.Reason#VALIDATOR_CLOSED}) once the validator is {@link #close()
   *     closed}: a filter still answering during shutdown then says 503, never lets a request through
   */
  public ClientPrincipal validate(String token) throws TokenRejectedException, KeysUnavailableException {
    requireNonNull(token, "token");
    if (closed) {
      throw new KeysUnavailableException("The token validator is closed: the application is shutting down",
          Duration.ofSeconds(1), null, KeysUnavailableException.Reason.VALIDATOR_CLOSED);
    }
    if (introspector == null) {
      return tokenCache.validate(token, fullValidation);
    }
    if (!Introspector.isCompactJws(token)) {
      return introspector.introspect(token);
    }
    ClientPrincipal principal = tokenCache.validate(token, fullValidation);
    if (config.introspectJwts()) {
      introspector.confirm(token, principal.issuer());
    }
    return principal;
  }

  /**
   * The caller of a token this validator accepted before, if it is remembered and still within its times; else
   * empty. It never verifies a signature, never fetches or waits for keys: for callers that must not block, such as a
   * reactive event loop, which answer a hit at once and hand a miss to {@link #validate} on a thread that may block.
   * A token it returns is one {@link #validate} would accept now.
   *
   * @param token the compact JWS, without the {@code Bearer } prefix
   * @return the remembered caller, or empty when {@link #validate} must decide
   * @since 0.1.0
   */
  public Optional<ClientPrincipal> validateCached(String token) {
    requireNonNull(token, "token");
    if (introspector == null) {
      return tokenCache.lookup(token);
    }
    if (!Introspector.isCompactJws(token)) {
      return introspector.cached(token, null);
    }
    Optional<ClientPrincipal> principal = tokenCache.lookup(token);
    if (principal.isPresent() && config.introspectJwts() && introspector.introspects(principal.get().issuer())
        && introspector.cached(token, principal.get().issuer()).isEmpty()) {
      return Optional.empty();
    }
    return principal;
  }

  /** The configuration this validator enforces. */
  public TokenGateConfig config() {
    return config;
  }

  /** The validated-token cache, for tests that prove what it remembers. */
  ValidatedTokenCache tokenCache() {
    return tokenCache;
  }

  /**
   * A read-only view of each trusted issuer's signing keys, in configuration order: how many are loaded, when they
   * were last fetched, the last error, whether they are stale. For logs, health endpoints and readiness checks.
   */
  public List<IssuerHealth> health() {
    List<IssuerHealth> health = new ArrayList<>();
    for (TrustedIssuer trusted : config.trustedIssuers()) {
      IssuerKeys issuerKeys = keys.get(trusted.issuer());
      health.add(issuerKeys != null
          ? issuerKeys.health()
          : new IssuerHealth(trusted.issuer(), Optional.empty(), 0, Optional.empty(), Optional.empty(), false));
    }
    return List.copyOf(health);
  }

  /**
   * A read-only view of each introspection endpoint (RFC 7662), in configuration order: whether it answers, calls,
   * failures and cache hits. Empty when no issuer has introspection.
   *
   * @since 0.1.0
   */
  public List<IntrospectionHealth> introspectionHealth() {
    return introspector == null ? List.of() : introspector.health();
  }

  /**
   * Stops the background key refresher and waits (up to 2 s) for its threads to end: fetches under way are
   * interrupted and their HTTP exchanges cancelled. Afterwards every {@link #validate} is refused with {@link
   * KeysUnavailableException} ({@link KeysUnavailableException.Reason#VALIDATOR_CLOSED}) and nothing is fetched.
   * Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    keys.values().forEach(IssuerKeys::close);
    if (refresher != null) {
      refresher.close();
    }
    if (fetcher != null) {
      fetcher.close();
    }
    if (introspector != null) {
      introspector.close();
    }
    config.closeOwnedReplayStore();
  }

}
