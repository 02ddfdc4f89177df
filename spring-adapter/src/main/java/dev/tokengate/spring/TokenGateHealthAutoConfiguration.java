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
import org.springframework.context.annotation.Bean;

/**
 * With Spring Boot's health support (e.g. Actuator) on the classpath, reports each trusted issuer's signing keys
 * under {@code /actuator/health/tokengate/<issuer>}; see {@link IssuerHealthIndicator}. Switch it off with {@code
 * management.health.tokengate.enabled=false}. Optional: without {@code spring-boot-health} it is skipped.
 */
@AutoConfiguration(after = TokenGateAutoConfiguration.class)
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

  // A health component's name is a URL path segment: https://login.example.com/realms/api becomes
  // login.example.com-realms-api.
  static String name(String issuer) {
    String name = issuer.replaceFirst("^[A-Za-z]+://", "").replaceAll("[^A-Za-z0-9._-]+", "-")
        .replaceAll("^-+|-+$", "");
    return name.isEmpty() ? "issuer" : name.toLowerCase(Locale.ROOT);
  }
}
