package dev.tokengate.internal.jwks;

import dev.tokengate.internal.log.OperatorLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of a validator, all daemon and named {@code tokengate-jwks-<n>-…}: one scheduler that only decides
 * (loads every issuer's keys at start-up, refreshes them ahead of expiry, retries failed fetches with back-off, runs
 * the refreshes scheduled for unknown kids), the fetch threads that wait for the key servers (one per issuer, so that
 * one hanging issuer holds up no other), and the HTTP client's own few threads.
 *
 * <p>The scheduler ticks on a short fixed delay and asks each issuer whether a fetch is due by the validator's {@link
 * java.time.Clock}, rather than scheduling each refresh for its exact due time: that keeps the injected clock the only
 * source of time (tests move it by hand), and a tick that finds nothing due costs a few volatile reads. A tick never
 * blocks: it hands fetches to the fetch threads, each under its total deadline, so any number of hanging key servers
 * cannot starve it.
 */
public final class KeyRefresher implements AutoCloseable {
  // Key-server trouble reaches the container's log even when no SLF4J provider is bound.
  private static final OperatorLog log = OperatorLog.forClass(KeyRefresher.class);
  private static final Duration TICK = Duration.ofMillis(250);
  /** How long {@link #close()} waits for the threads to end; a fetch ends at once when interrupted. */
  public static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ScheduledThreadPoolExecutor scheduler;
  private final ThreadPoolExecutor fetchers;
  private final ThreadPoolExecutor http;
  /** Every thread the pools made, to join on close: a pool is terminated a moment before its last thread ends. */
  private final List<Thread> threads = new CopyOnWriteArrayList<>();

  /** Makes the threads' pools; nothing runs until {@link #start(List)}. */
  public KeyRefresher(int issuers) {
    int pool = POOLS.incrementAndGet();
    String prefix = "tokengate-jwks-" + pool + "-";
    scheduler = new ScheduledThreadPoolExecutor(1, daemonThreads(prefix + "scheduler"));
    scheduler.setRemoveOnCancelPolicy(true);
    int fetchThreads = Math.max(1, issuers);
    fetchers = new ThreadPoolExecutor(fetchThreads, fetchThreads, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        daemonThreads(prefix + "fetch"));
    fetchers.allowCoreThreadTimeOut(true);
    http = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        daemonThreads(prefix + "http"));
    http.allowCoreThreadTimeOut(true);
  }

  /** Runs the fetches; each issuer has at most one under way (single-flight), so none ever queues behind another. */
  public Executor fetchExecutor() {
    return fetchers;
  }

  /** Runs the HTTP client's internal tasks. */
  public Executor httpExecutor() {
    return http;
  }

  /** Starts ticking; the first tick, which loads every issuer's keys, runs at once. */
  public void start(List<IssuerKeys> issuers) {
    List<IssuerKeys> all = List.copyOf(issuers);
    scheduler.scheduleWithFixedDelay(() -> {
      for (IssuerKeys keys : all) {
        try {
          keys.maintain();
        } catch (RuntimeException e) {
          // A thrown exception would cancel the schedule for good: log and keep ticking.
          log.warn("Key refresh of issuer {} failed unexpectedly", keys.issuer(), e);
        }
      }
    }, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops the scheduler, interrupts the fetches under way (which cancel their HTTP exchanges) and waits up to {@link
   * #CLOSE_WAIT} for every thread to end.
   */
  @Override
  public void close() {
    scheduler.shutdownNow();
    fetchers.shutdownNow();
    http.shutdownNow();
    long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
    boolean ended = true;
    for (ExecutorService executor : List.of(scheduler, fetchers, http)) {
      try {
        ended &= executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ended = false;
        break;
      }
    }
    for (Thread thread : threads) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !ended) {
        break;
      }
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ended = false;
      }
      ended &= !thread.isAlive();
    }
    if (!ended) {
      log.warn("The key refresher's threads did not all end within {}", CLOSE_WAIT);
    }
  }

  private ThreadFactory daemonThreads(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      threads.removeIf(old -> old.getState() == Thread.State.TERMINATED);
      threads.add(thread);
      // Never keeps a JVM alive that is otherwise done, e.g. when a container forgets to call destroy().
      thread.setDaemon(true);
      return thread;
    };
  }
}
