package dev.tokengate.spring;

import static java.util.Objects.requireNonNull;

import dev.tokengate.IntrospectionHealth;
import dev.tokengate.TokenValidator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Token introspection (RFC 7662) as Micrometer meters, one set per issuer that has introspection, tagged {@code
 * issuer} (the configured issuer URLs: a fixed, small set): {@value #CALLS} (calls made to the endpoint), {@value
 * #FAILURES} (calls that failed: unreachable, slow, not an introspection response), {@value #CACHE_HITS} (tokens
 * answered from the result cache or by joining a call under way), {@value #REFUSED_BUSY} (tokens answered 503 because
 * {@code introspection-max-concurrency} calls were under way) and the timer {@value #LATENCY} (how long the calls
 * took). Read from {@link TokenValidator#introspectionHealth()} when the registry asks; nothing is counted twice.
 * Without introspection it registers nothing.
 */
public final class IntrospectionMetrics implements MeterBinder {
  /** Calls made to the introspection endpoint. */
  public static final String CALLS = "tokengate.introspection.calls";
  /** Calls that failed. */
  public static final String FAILURES = "tokengate.introspection.failures";
  /** Tokens answered without a call of their own. */
  public static final String CACHE_HITS = "tokengate.introspection.cache.hits";
  /** Tokens refused 503 while the concurrency bound was reached. */
  public static final String REFUSED_BUSY = "tokengate.introspection.refused.busy";
  /** How long the calls took. */
  public static final String LATENCY = "tokengate.introspection.latency";

  private final TokenValidator validator;

  /** Meters for {@code validator}'s introspection endpoints. */
  public IntrospectionMetrics(TokenValidator validator) {
    this.validator = requireNonNull(validator, "validator");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (IntrospectionHealth endpoint : validator.introspectionHealth()) {
      String issuer = endpoint.issuer();
      counter(registry, CALLS, "Calls made to the introspection endpoint", issuer, IntrospectionHealth::calls);
      counter(registry, FAILURES, "Introspection calls that failed", issuer, IntrospectionHealth::failures);
      counter(registry, CACHE_HITS, "Opaque tokens answered without a call of their own", issuer,
          IntrospectionHealth::cacheHits);
      counter(registry, REFUSED_BUSY, "Opaque tokens answered 503 at the concurrency bound", issuer,
          IntrospectionHealth::refusedBusy);
      FunctionTimer.builder(LATENCY, this,
              metrics -> (long) metrics.current(issuer, IntrospectionHealth::calls),
              metrics -> metrics.current(issuer, health -> health.callTime().toNanos()), TimeUnit.NANOSECONDS)
          .description("How long introspection calls took")
          .tag("issuer", issuer)
          .register(registry);
    }
  }

  private void counter(MeterRegistry registry, String name, String description, String issuer,
      ToDoubleFunction<IntrospectionHealth> value) {
    FunctionCounter.builder(name, this, metrics -> metrics.current(issuer, value))
        .description(description)
        .tag("issuer", issuer)
        .register(registry);
  }

  private double current(String issuer, ToDoubleFunction<IntrospectionHealth> value) {
    for (IntrospectionHealth endpoint : validator.introspectionHealth()) {
      if (endpoint.issuer().equals(issuer)) {
        return value.applyAsDouble(endpoint);
      }
    }
    return 0;
  }
}
