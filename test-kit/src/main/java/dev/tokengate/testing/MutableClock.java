package dev.tokengate.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock a test moves by hand, so that time passes without sleeping. Thread-safe. */
public final class MutableClock extends Clock {
  private volatile Instant now;

  /**
   * A clock showing {@code start} until moved.
   *
   * @param start the first instant
   */
  public MutableClock(Instant start) {
    this.now = start;
  }

  /**
   * A clock starting at the current time.
   *
   * @return the clock
   */
  public static MutableClock startingNow() {
    return new MutableClock(Instant.now());
  }

  /**
   * Moves the clock forward (or back, for a negative duration).
   *
   * @param duration how far
   */
  public synchronized void advance(Duration duration) {
    now = now.plus(duration);
  }

  /**
   * Sets the clock to an instant.
   *
   * @param instant the new time
   */
  public void set(Instant instant) {
    now = instant;
  }

  /** The current instant of this clock. */
  @Override
  public Instant instant() {
    return now;
  }

  /** UTC. */
  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** This clock: the zone does not matter to instants. */
  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
