package dev.tokengate.spring;

import dev.tokengate.IntrospectionHealth;
import dev.tokengate.IssuerHealth;
import dev.tokengate.TokenValidator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The health of one trusted issuer's signing keys, from {@link TokenValidator#health()}: UP while tokens can be
 * checked (with {@code stale: true} when the last good keys are serving through a key-server outage), DOWN when no
 * usable key is loaded and fetching them failed (requests are then answered 503), UNKNOWN until the first fetch.
 *
 * <p>This is a readiness signal, never a liveness one: DOWN means "send this instance no traffic for now", not
 * "restart it" (it recovers by itself, and every instance of the service sees the same key server).
 */
final class IssuerHealthIndicator implements HealthIndicator {
  private final TokenValidator validator;
  private final String issuer;
  private final boolean sharedSecretOnly;

  IssuerHealthIndicator(TokenValidator validator, String issuer) {
    this.validator = validator;
    this.issuer = issuer;
    this.sharedSecretOnly = validator.config().algorithms().stream().allMatch(name -> name.startsWith("HS"));
  }

  @Override
  public Health health() {
    IssuerHealth keys = validator.health().stream()
        .filter(candidate -> candidate.issuer().equals(issuer))
        .findFirst()
        .orElse(null);
    if (keys == null) {
      return Health.unknown().withDetail("issuer", issuer).build();
    }
    Health.Builder health;
    if (sharedSecretOnly) {
      health = Health.up();
    } else if (keys.keysLoaded() > 0) {
      health = Health.up();
    } else if (keys.lastError().isPresent()) {
      health = Health.down();
    } else {
      health = Health.unknown();
    }
    health.withDetail("issuer", keys.issuer()).withDetail("keysLoaded", keys.keysLoaded())
        .withDetail("stale", keys.stale());
    keys.jwksUri().ifPresent(uri -> health.withDetail("jwksUri", uri.toString()));
    keys.lastSuccessfulFetch().ifPresent(at -> health.withDetail("lastSuccessfulFetch", at.toString()));
    keys.lastError().ifPresent(error -> health.withDetail("lastError", error));
    validator.introspectionHealth().stream()
        .filter(candidate -> candidate.issuer().equals(issuer))
        .findFirst()
        .ifPresent(introspection -> health.withDetail("introspection", introspectionDetails(introspection)));
    return health.build();
  }

  /**
   * The introspection endpoint's reachability and counters. Details only, never the status: a failing endpoint
   * refuses opaque tokens with 503, but this issuer's JWTs are still checked, so the instance may still serve.
   */
  private static Map<String, Object> introspectionDetails(IntrospectionHealth introspection) {
    Map<String, Object> details = new LinkedHashMap<>();
    introspection.endpoint().ifPresent(uri -> details.put("endpoint", uri.toString()));
    details.put("reachable", introspection.reachable());
    introspection.lastSuccessfulCall().ifPresent(at -> details.put("lastSuccessfulCall", at.toString()));
    introspection.lastError().ifPresent(error -> details.put("lastError", error));
    details.put("calls", introspection.calls());
    details.put("failures", introspection.failures());
    details.put("cacheHits", introspection.cacheHits());
    details.put("refusedBusy", introspection.refusedBusy());
    return details;
  }
}
