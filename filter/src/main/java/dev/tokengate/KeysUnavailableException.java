package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The token could not be checked because the issuer's signing keys cannot be had: the key server is unreachable and no
 * usable key is cached, or the token names a new key whose rate-limited refresh is pending, or the validator is
 * closed ({@link #reason()} says which). Not the caller's fault, so the filter answers 503 with {@code Retry-After}
 * rather than 401: a 401 would send every client off to fetch a new token that fails the same way.
 */
public final class KeysUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why the token could not be checked; metrics and listeners tell these apart. */
  public enum Reason {
    /** The key server cannot be reached (or answers garbage) and no usable key is cached: an outage. */
    KEYS_UNAVAILABLE,
    /**
     * The token names a key not yet known, and the refresh that may bring it is rate-limited: it runs at {@link
     * #retryAfter()}, and the same token sent again then is checked against the refreshed keys (a {@code kid} still
     * unknown after that refresh is refused with 401). Not an outage.
     */
    KEY_REFRESH_PENDING,
    /** The validator was closed (the application is shutting down); nothing is checked or fetched any more. */
    VALIDATOR_CLOSED,
    /**
     * An opaque token (or a JWT set to be introspected) could not be checked because the issuer's introspection
     * endpoint (RFC 7662) failed, was too slow, answered something that is not an introspection response, or because
     * too many introspections are under way already ({@code introspection-max-concurrency}). Not the caller's fault.
     *
     * @since 0.1.0
     */
    INTROSPECTION_UNAVAILABLE
  }

  private final Duration retryAfter;
  private final Reason reason;

  /**
   * Creates the exception.
   *
   * @param message what failed, for logs; never sent to the caller
   * @param retryAfter when the caller may usefully try again
   * @param cause the underlying failure, if any
   */
  public KeysUnavailableException(String message, Duration retryAfter, Throwable cause) {
    this(message, retryAfter, cause, Reason.KEYS_UNAVAILABLE);
  }

  /**
   * Creates the exception with its reason.
   *
   * @param message what failed, for logs; never sent to the caller
   * @param retryAfter when the caller may usefully try again
   * @param cause the underlying failure, if any
   * @param reason why the keys are not at hand
   */
  public KeysUnavailableException(String message, Duration retryAfter, Throwable cause, Reason reason) {
    super(message, cause);
    this.retryAfter = requireNonNull(retryAfter, "retryAfter");
    this.reason = requireNonNull(reason, "reason");
  }

  /**
   * Why the keys are not at hand: an outage, a refresh pending for a new key, or a closed validator.
   *
   */
  public Reason reason() {
    return reason;
  }

  /** When the caller may usefully try again; sent as {@code Retry-After}. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
