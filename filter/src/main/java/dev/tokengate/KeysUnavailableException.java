package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The token could not be checked because the issuer's signing keys cannot be had: the key server is unreachable and no
 * usable key is cached. Not the caller's fault, so the filter answers 503 with {@code Retry-After} rather than 401: a
 * 401 would send every client off to fetch a new token that fails the same way.
 */
public final class KeysUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param message what failed, for logs; never sent to the caller
   * @param retryAfter when the caller may usefully try again
   * @param cause the underlying failure, if any
   */
  public KeysUnavailableException(String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.retryAfter = requireNonNull(retryAfter, "retryAfter");
  }

  /** When the caller may usefully try again; sent as {@code Retry-After}. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
