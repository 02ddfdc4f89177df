package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Instant;
import java.util.Optional;

/**
 * A read-only view of one trusted issuer's signing keys, from {@link TokenValidator#health()}: to log, to expose, or to
 * turn into a health indicator. A snapshot: it does not change when the keys do.
 *
 * <p>Tokens of this issuer can be checked exactly when {@code keysLoaded > 0}. {@code stale} with keys loaded means the
 * key server is failing but the last good keys still serve (up to {@code jwks-max-staleness} past their expiry).
 *
 * <p>A <b>readiness</b> signal, never a liveness one: with no usable keys the instance answers 503 and should get no
 * traffic, but restarting it would not help (it retries by itself), and every instance sees the same key server.
 *
 * @param issuer the issuer URL, as configured
 * @param jwksUri the JWKS URL, configured or discovered; empty while discovery has not succeeded (or when only a
 *     shared secret is used)
 * @param keysLoaded how many usable signing keys are in use; 0 when none were ever loaded or the last good ones are
 *     older than the maximum staleness
 * @param lastSuccessfulFetch when the keys were last fetched successfully
 * @param lastError why the most recent fetch failed; empty when it succeeded
 * @param stale whether the keys in hand are past their expiry because refreshing them keeps failing
 */
public record IssuerHealth(
    String issuer,
    Optional<URI> jwksUri,
    int keysLoaded,
    Optional<Instant> lastSuccessfulFetch,
    Optional<String> lastError,
    boolean stale) {
  /** Checks that no component is null. */
  public IssuerHealth {
    requireNonNull(issuer, "issuer");
    requireNonNull(jwksUri, "jwksUri");
    requireNonNull(lastSuccessfulFetch, "lastSuccessfulFetch");
    requireNonNull(lastError, "lastError");
  }
}
