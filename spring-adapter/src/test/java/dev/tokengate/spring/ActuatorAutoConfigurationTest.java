package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.BearerError;
import dev.tokengate.spi.ValidationListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.CompositeHealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The optional Actuator parts: present only with their libraries, their beans, and tokengate switched on. */
class ActuatorAutoConfigurationTest {
  private static final String ISSUER = "https://login.example.com/realms/api";

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(TokenGateAutoConfiguration.class,
          TokenGateHealthAutoConfiguration.class, TokenGateMetricsAutoConfiguration.class));

  @Test
  void withAMeterRegistry_countsOutcomes() {
    runner.withUserConfiguration(Registry.class)
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
          assertThat(context).hasSingleBean(ValidationMetrics.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          ValidationMetrics metrics = context.getBean(ValidationMetrics.class);
          metrics.bindTo(registry);
          metrics.onRejected(BearerError.INVALID_TOKEN, "The access token expired");
          assertThat(registry.get("tokengate.validations").tag("outcome", "invalid_token").counter().count())
              .isEqualTo(1);
          assertThat(registry.get("tokengate.validations").tag("outcome", "accepted").counter().count()).isZero();
        });
  }

  @Test
  void theMetricsListener_isPassedToTheFilter() {
    runner.withUserConfiguration(Registry.class)
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context ->
            assertThat(context.getBeanProvider(ValidationListener.class).orderedStream().toList())
                .containsExactly(context.getBean(ValidationMetrics.class)));
  }

  @Test
  void withoutAMeterRegistryBean_noMetrics() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context ->
        assertThat(context).hasNotFailed().doesNotHaveBean(ValidationMetrics.class));
  }

  @Test
  void withoutMicrometer_noMetrics_andTheFilterStillWorks() {
    runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean(ValidationMetrics.class);
          assertThat(context).hasBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME);
        });
  }

  @Test
  void withoutTokengate_noMetricsAndNoHealth() {
    runner.withUserConfiguration(Registry.class).run(context -> {
      assertThat(context).doesNotHaveBean(ValidationMetrics.class);
      assertThat(context).doesNotHaveBean("tokengateHealthContributor");
    });
  }

  @Test
  void aUsersMetricsBean_replacesOurs() {
    runner.withUserConfiguration(Registry.class, OwnMetrics.class)
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context ->
            assertThat(context).getBean(ValidationMetrics.class).isSameAs(OwnMetrics.METRICS));
  }

  /** With the real health endpoint, availability state and probes auto-configurations. */
  private final WebApplicationContextRunner probes = runner.withConfiguration(AutoConfigurations.of(
      org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration.class,
      org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration.class,
      org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration.class,
      org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration.class,
      org.springframework.boot.health.autoconfigure.application.AvailabilityHealthContributorAutoConfiguration.class,
      org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration.class));

  @Test
  void keyRefreshPending_isCountedApartFromAnOutage() {
    runner.withUserConfiguration(Registry.class)
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          ValidationMetrics metrics = context.getBean(ValidationMetrics.class);
          metrics.bindTo(registry);
          metrics.onKeysUnavailable(dev.tokengate.KeysUnavailableException.Reason.KEY_REFRESH_PENDING);
          metrics.onKeysUnavailable(dev.tokengate.KeysUnavailableException.Reason.KEY_REFRESH_PENDING);
          metrics.onKeysUnavailable(dev.tokengate.KeysUnavailableException.Reason.KEYS_UNAVAILABLE);
          assertThat(registry.get("tokengate.validations").tag("outcome", "key_refresh_pending").counter().count())
              .isEqualTo(2);
          assertThat(registry.get("tokengate.validations").tag("outcome", "keys_unavailable").counter().count())
              .isEqualTo(1);
        });
  }

  @Test
  void health_hasOneComponentPerIssuer() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
        "tokengate.issuers[0].issuer=https://partner.example.net:8443/").run(context -> {
          CompositeHealthContributor health =
              context.getBean("tokengateHealthContributor", CompositeHealthContributor.class);
          assertThat(health.stream().map(entry -> entry.name()).toList())
              .containsExactly("login.example.com-realms-api", "partner.example.net-8443");
          HealthContributor first = health.getContributor("login.example.com-realms-api");
          assertThat(first).isInstanceOf(IssuerHealthIndicator.class);
        });
  }

  @Test
  void withKubernetesProbes_issuerHealthJoinsReadiness_neverLiveness() {
    probes.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
        "management.endpoint.health.probes.enabled=true").run(context -> {
          assertThat(context).hasNotFailed();
          HealthEndpointGroups groups = context.getBean(HealthEndpointGroups.class);
          assertThat(groups.get("readiness").isMember("tokengate")).isTrue();
          assertThat(groups.get("readiness").isMember("tokengate/login.example.com-realms-api")).isTrue();
          assertThat(groups.get("readiness").isMember("readinessState")).isTrue();
          assertThat(groups.get("liveness").isMember("tokengate")).isFalse();
          assertThat(groups.get("liveness").isMember("livenessState")).isTrue();
          HealthDescriptor readiness = context.getBean(HealthEndpoint.class).healthForPath("readiness");
          assertThat(readiness).isInstanceOf(CompositeHealthDescriptor.class);
          assertThat(((CompositeHealthDescriptor) readiness).getComponents()).containsKeys("tokengate", "readinessState");
          HealthDescriptor liveness = context.getBean(HealthEndpoint.class).healthForPath("liveness");
          assertThat(((CompositeHealthDescriptor) liveness).getComponents()).doesNotContainKey("tokengate");
        });
  }

  @Test
  void aReadinessGroupTheUserConfigured_isLeftAsConfigured() {
    probes.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
        "management.endpoint.health.probes.enabled=true",
        "management.endpoint.health.group.readiness.include=readinessState").run(context -> {
          assertThat(context).hasNotFailed();
          HealthEndpointGroups groups = context.getBean(HealthEndpointGroups.class);
          assertThat(groups.get("readiness").isMember("tokengate")).isFalse();
        });
  }

  @Test
  void health_canBeSwitchedOff() {
    runner.withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api",
        "management.health.tokengate.enabled=false").run(context ->
            assertThat(context).hasNotFailed().doesNotHaveBean("tokengateHealthContributor"));
  }

  @Test
  void withoutSpringBootHealth_noHealth_andTheFilterStillWorks() {
    runner.withClassLoader(new FilteredClassLoader(HealthContributor.class))
        .withPropertyValues("tokengate.issuer=" + ISSUER, "tokengate.audiences=api").run(context -> {
          assertThat(context).hasNotFailed().doesNotHaveBean("tokengateHealthContributor");
          assertThat(context).hasBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME);
        });
  }

  @Test
  void healthComponentNames_arePathSegments() {
    assertThat(List.of("https://login.example.com/realms/api", "http://127.0.0.1:8080", "https://A.example.com/"))
        .map(TokenGateHealthAutoConfiguration::name)
        .containsExactly("login.example.com-realms-api", "127.0.0.1-8080", "a.example.com");
  }

  @Configuration(proxyBeanMethods = false)
  static class Registry {
    @Bean
    MeterRegistry meterRegistry() {
      return new SimpleMeterRegistry();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnMetrics {
    static final ValidationMetrics METRICS = new ValidationMetrics();

    @Bean
    ValidationMetrics ownMetrics() {
      return METRICS;
    }
  }
}
