package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A read-only view of one issuer's introspection endpoint (RFC 7662), from {@link
 * TokenValidator#introspectionHealth()}: whether it answers, and what the result cache saves. A snapshot.
 *
 * <p>Opaque tokens of this issuer are checked only while the endpoint answers; an answer in the cache keeps serving
 * (up to {@code introspection-cache-max-ttl}) when it does not. A readiness signal, as {@link IssuerHealth} is.
 *
 * @param issuer the issuer URL, as configured
 * @param endpoint the introspection endpoint, configured or discovered; empty while discovery has not succeeded
 * @param reachable whether the most recent call got an introspection response; false before the first call
 * @param lastSuccessfulCall when the endpoint last answered with an introspection response
 * @param lastError why the most recent failed call failed; empty when the most recent call succeeded
 * @param calls how many introspection calls were made (each answered or failed)
 * @param failures how many of them failed (unreachable, slow, not an introspection response)
 * @param cacheHits how many tokens were answered from the result cache, or by joining a call already under way
 * @param refusedBusy how many tokens were answered 503 because {@code introspection-max-concurrency} calls were
 *     already under way
 * @param callTime the time all {@code calls} took together, from sending each to its judged answer or failure;
 *     divided by {@code calls}, the mean latency of the endpoint as this API sees it
 * @since 0.1.0
 */
public record IntrospectionHealth(
    String issuer,
    Optional<URI> endpoint,
    boolean reachable,
    Optional<Instant> lastSuccessfulCall,
    Optional<String> lastError,
    long calls,
    long failures,
    long cacheHits,
    long refusedBusy,
    Duration callTime) {
  /** Checks that no component is null. */
  public IntrospectionHealth {
    requireNonNull(issuer, "issuer");
    requireNonNull(endpoint, "endpoint");
    requireNonNull(lastSuccessfulCall, "lastSuccessfulCall");
    requireNonNull(lastError, "lastError");
    requireNonNull(callTime, "callTime");
  }
}
