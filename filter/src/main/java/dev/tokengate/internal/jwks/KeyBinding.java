package dev.tokengate.internal.jwks;

/**
 * Ties a remembered token to the key that verified it: asked on every cache hit, so it must be cheap (a few volatile
 * reads, no allocation).
 */
@FunctionalInterface
public interface KeyBinding {
  /** For a key that never changes while the validator lives, e.g. the configured shared secret. */
  KeyBinding FIXED = () -> true;

  /** Whether the key is still in its issuer's current usable set, within the maximum staleness. */
  boolean stillUsable();

  /**
   * {@link #stillUsable()}, judged at {@code now} (epoch milliseconds, read from the validator's clock by the caller
   * that already needed it), so that a cache hit reads the clock once.
   */
  default boolean stillUsable(long now) {
    return stillUsable();
  }
}
