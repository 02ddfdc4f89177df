package dev.tokengate.spring;

import dev.tokengate.TokenValidator;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * With Micrometer (e.g. Spring Boot Actuator) on the classpath, counts tokengate's decisions (see {@link
 * ValidationMetrics}) and measures token introspection's calls, cache hits and latency (see {@link
 * IntrospectionMetrics}). Micrometer is optional: without it this configuration is skipped.
 */
@AutoConfiguration(
    after = {TokenGateAutoConfiguration.class, TokenGateReactiveSecurityAutoConfiguration.class},
    afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({TokenValidator.class, MeterRegistry.class})
public final class TokenGateMetricsAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean
  ValidationMetrics tokenGateValidationMetrics() {
    return new ValidationMetrics();
  }

  @Bean
  @ConditionalOnMissingBean
  IntrospectionMetrics tokenGateIntrospectionMetrics(TokenValidator validator) {
    return new IntrospectionMetrics(validator);
  }
}
