package dev.tokengate.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits, boundedly, for a background thread to act; the only waiting the tests do. */
public final class Poll {
  private static final Duration LIMIT = Duration.ofSeconds(10);

  private Poll() {}

  /** Returns as soon as {@code condition} holds; fails after ten seconds. */
  public static void until(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("Waited " + LIMIT + " in vain until " + what);
      }
      pause(Duration.ofMillis(10));
    }
  }

  /**
   * Lets the key refresher tick a few times (it ticks every 250 ms), for a test that asserts something did NOT
   * happen in the background.
   */
  public static void severalRefresherTicks() {
    pause(Duration.ofMillis(800));
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
