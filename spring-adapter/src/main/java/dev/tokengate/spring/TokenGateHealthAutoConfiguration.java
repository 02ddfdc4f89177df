package dev.tokengate.spring;

import dev.tokengate.TokenValidator;
import dev.tokengate.TrustedIssuer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * With Spring Boot's health support (e.g. Actuator) on the classpath, reports each trusted issuer's signing keys
 * under {@code /actuator/health/tokengate/<issuer>}; see {@link IssuerHealthIndicator}. Switch it off with {@code
 * management.health.tokengate.enabled=false}. Optional: without {@code spring-boot-health} it is skipped.
 *
 * <p>Issuer health belongs to <b>readiness, never liveness</b>: with Kubernetes probes on, it joins the {@code
 * readiness} group by default (see {@link ReadinessGroupPostProcessor}), so an instance without usable keys gets no
 * traffic, and is not restarted for a key server's outage.
 */
@AutoConfiguration(after = TokenGateAutoConfiguration.class,
    afterName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration")
@ConditionalOnClass(HealthContributor.class)
@ConditionalOnBean(TokenValidator.class)
@ConditionalOnEnabledHealthIndicator("tokengate")
public final class TokenGateHealthAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean(name = "tokengateHealthContributor")
  CompositeHealthContributor tokengateHealthContributor(TokenValidator validator) {
    Map<String, HealthContributor> issuers = new LinkedHashMap<>();
    for (TrustedIssuer trusted : validator.config().trustedIssuers()) {
      String name = name(trusted.issuer());
      issuers.put(issuers.containsKey(name) ? name + "-" + issuers.size() : name,
          new IssuerHealthIndicator(validator, trusted.issuer()));
    }
    return CompositeHealthContributor.fromMap(issuers);
  }

  @Bean
  static HealthEndpointGroupsPostProcessor tokengateReadinessGroup(Environment environment) {
    return new ReadinessGroupPostProcessor(environment);
  }

  // A health component's name is a URL path segment: https://login.example.com/realms/api becomes
  // login.example.com-realms-api.
  static String name(String issuer) {
    String name = issuer.replaceFirst("^[A-Za-z]+://", "").replaceAll("[^A-Za-z0-9._-]+", "-")
        .replaceAll("^-+|-+$", "");
    return name.isEmpty() ? "issuer" : name.toLowerCase(Locale.ROOT);
  }
}
