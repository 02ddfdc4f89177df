package dev.tokengate.spring;

import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.spi.ValidationListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Counts what tokengate decided, as the Micrometer counter {@value #METER_NAME} with tag {@code outcome}: {@code
 * accepted}, {@code missing_token}, {@code invalid_request}, {@code invalid_token}, {@code insufficient_scope} (the
 * filter's path rules and {@code @RequiredScope} on controllers), {@code keys_unavailable} (503: the key server is
 * failing and no usable key is cached, or the validator is shutting down) and {@code key_refresh_pending} (503, not an
 * outage: a token names a new key and waits for the rate-limited refresh that may bring it). The tag never carries a
 * description or a client id, so its cardinality stays fixed whatever callers send.
 *
 * <p>A {@link MeterBinder}, so that Spring Boot registers the counters (at zero) once the registry is configured,
 * rather than the filter forcing the registry into existence early.
 */
public final class ValidationMetrics implements ValidationListener, MeterBinder {
  /** The counter's name. */
  public static final String METER_NAME = "tokengate.validations";

  /** The values of the {@code outcome} tag. */
  enum Outcome {
    ACCEPTED,
    MISSING_TOKEN,
    INVALID_REQUEST,
    INVALID_TOKEN,
    INSUFFICIENT_SCOPE,
    KEYS_UNAVAILABLE,
    KEY_REFRESH_PENDING,
    INTROSPECTION_UNAVAILABLE;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Outcome of(BearerError error) {
      return switch (error) {
        case INVALID_REQUEST -> INVALID_REQUEST;
        case INVALID_TOKEN -> INVALID_TOKEN;
        case INSUFFICIENT_SCOPE -> INSUFFICIENT_SCOPE;
      };
    }
  }

  private final List<Map<Outcome, Counter>> registries = new CopyOnWriteArrayList<>();

  @Override
  public void bindTo(MeterRegistry registry) {
    Map<Outcome, Counter> counters = new EnumMap<>(Outcome.class);
    for (Outcome outcome : Outcome.values()) {
      counters.put(outcome, Counter.builder(METER_NAME)
          .description("Requests tokengate decided, by outcome")
          .tag("outcome", outcome.tag())
          .register(registry));
    }
    registries.add(counters);
  }

  @Override
  public void onAccepted(ClientPrincipal principal) {
    count(Outcome.ACCEPTED);
  }

  @Override
  public void onRejected(BearerError error, String description) {
    count(Outcome.of(error));
  }

  @Override
  public void onTokenMissing() {
    count(Outcome.MISSING_TOKEN);
  }

  @Override
  public void onKeysUnavailable() {
    count(Outcome.KEYS_UNAVAILABLE);
  }

  @Override
  public void onKeysUnavailable(KeysUnavailableException.Reason reason) {
    count(reason == KeysUnavailableException.Reason.KEY_REFRESH_PENDING ? Outcome.KEY_REFRESH_PENDING
        : reason == KeysUnavailableException.Reason.INTROSPECTION_UNAVAILABLE ? Outcome.INTROSPECTION_UNAVAILABLE
        : Outcome.KEYS_UNAVAILABLE);
  }

  private void count(Outcome outcome) {
    for (Map<Outcome, Counter> counters : registries) {
      counters.get(outcome).increment();
    }
  }
}
