package dev.tokengate.internal.jwks;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one small daemon scheduler of a validator: loads every issuer's keys at start-up, refreshes them ahead of expiry
 * and retries failed fetches with back-off, so that requests never wait for a scheduled refresh.
 *
 * <p>It ticks on a short fixed delay and asks each issuer whether a fetch is due by the validator's {@link
 * java.time.Clock}, rather than scheduling each refresh for its exact due time: that keeps the injected clock the only
 * source of time (tests move it by hand), and a tick that finds nothing due costs a few volatile reads. Fetches run on
 * the pool's other threads, so one hanging issuer does not hold up another issuer's refresh.
 */
public final class KeyRefresher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeyRefresher.class);
  private static final Duration TICK = Duration.ofMillis(250);
  private static final int MAX_THREADS = 4;
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ScheduledThreadPoolExecutor executor;

  /** Starts refreshing; the first tick, which loads every issuer's keys, runs at once in the background. */
  public KeyRefresher(List<IssuerKeys> issuers) {
    List<IssuerKeys> all = List.copyOf(issuers);
    executor = new ScheduledThreadPoolExecutor(Math.min(MAX_THREADS, all.size() + 1), daemonThreads());
    executor.setRemoveOnCancelPolicy(true);
    executor.scheduleWithFixedDelay(() -> {
      for (IssuerKeys keys : all) {
        try {
          keys.maintain(executor);
        } catch (RuntimeException e) {
          // A thrown exception would cancel the schedule for good: log and keep ticking.
          log.warn("Key refresh of issuer {} failed unexpectedly", keys.issuer(), e);
        }
      }
    }, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the scheduler and interrupts fetches under way. */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  private static ThreadFactory daemonThreads() {
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, "tokengate-jwks-" + pool + "-" + threads.incrementAndGet());
      // Never keeps a JVM alive that is otherwise done, e.g. when a container forgets to call destroy().
      thread.setDaemon(true);
      return thread;
    };
  }
}
