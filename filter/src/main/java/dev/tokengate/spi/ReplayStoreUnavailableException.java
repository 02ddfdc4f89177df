package dev.tokengate.spi;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * A {@link DpopReplayStore} cannot say whether a proof was used before (its server is unreachable, or too slow): the
 * request is answered 503 with {@code Retry-After}, since accepting the proof unchecked could accept a replay.
 *
 * @since 0.1.0
 */
public class ReplayStoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * @param message what failed, for the operator's log (never sent to the client)
   * @param retryAfter when the client may try again, for {@code Retry-After}
   * @param cause the store's own failure, or {@code null}
   */
  public ReplayStoreUnavailableException(String message, Duration retryAfter, Throwable cause) {
    super(message, cause);
    this.retryAfter = requireNonNull(retryAfter, "retryAfter");
  }

  /** When the client may try again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
