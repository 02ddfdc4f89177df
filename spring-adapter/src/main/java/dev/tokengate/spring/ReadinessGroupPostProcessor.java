package dev.tokengate.spring;

import java.util.Set;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;
import org.springframework.core.env.Environment;

/**
 * Puts the {@code tokengate} health contributor into the {@code readiness} group (Kubernetes readiness probe,
 * {@code /actuator/health/readiness}) and never into {@code liveness}: when the issuer's keys cannot be had, this
 * instance can serve no protected request and should get no traffic, but restarting it would not help (it retries
 * by itself) and, with every instance failing alike, a liveness probe would restart them all at once.
 *
 * <p>Only the readiness group Spring Boot makes by itself is changed: a user who configures {@code
 * management.endpoint.health.group.readiness.include} or {@code .exclude} has chosen its members, and that choice
 * stands.
 */
final class ReadinessGroupPostProcessor implements HealthEndpointGroupsPostProcessor {
  static final String CONTRIBUTOR = "tokengate";
  private static final String READINESS = "readiness";

  private final boolean userConfigured;

  ReadinessGroupPostProcessor(Environment environment) {
    this.userConfigured = environment.containsProperty("management.endpoint.health.group.readiness.include")
        || environment.containsProperty("management.endpoint.health.group.readiness.exclude");
  }

  @Override
  public HealthEndpointGroups postProcessHealthEndpointGroups(HealthEndpointGroups groups) {
    if (userConfigured || groups.get(READINESS) == null) {
      return groups;
    }
    return new HealthEndpointGroups() {
      @Override
      public HealthEndpointGroup getPrimary() {
        return groups.getPrimary();
      }

      @Override
      public Set<String> getNames() {
        return groups.getNames();
      }

      @Override
      public HealthEndpointGroup get(String name) {
        HealthEndpointGroup group = groups.get(name);
        return READINESS.equals(name) && group != null ? new WithTokengate(group) : group;
      }
    };
  }

  /** A group with the tokengate contributor (and its per-issuer components) added to its members. */
  private record WithTokengate(HealthEndpointGroup delegate) implements HealthEndpointGroup {
    @Override
    public boolean isMember(String name) {
      return delegate.isMember(name) || CONTRIBUTOR.equals(name) || name.startsWith(CONTRIBUTOR + "/");
    }

    @Override
    public boolean showComponents(SecurityContext securityContext) {
      return delegate.showComponents(securityContext);
    }

    @Override
    public boolean showDetails(SecurityContext securityContext) {
      return delegate.showDetails(securityContext);
    }

    @Override
    public StatusAggregator getStatusAggregator() {
      return delegate.getStatusAggregator();
    }

    @Override
    public HttpCodeStatusMapper getHttpCodeStatusMapper() {
      return delegate.getHttpCodeStatusMapper();
    }

    @Override
    public AdditionalHealthEndpointPath getAdditionalPath() {
      return delegate.getAdditionalPath();
    }
  }
}
