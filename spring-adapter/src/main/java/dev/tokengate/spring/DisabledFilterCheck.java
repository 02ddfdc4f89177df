package dev.tokengate.spring;

import dev.tokengate.TokenGateFilter;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.web.servlet.AbstractFilterRegistrationBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Fails start-up when every {@code FilterRegistrationBean} of a {@link TokenGateFilter} is switched off ({@code
 * setEnabled(false)}, the usual way to run a filter only inside a Spring Security chain) while no Spring Security
 * filter chain holds a {@code TokenGateFilter}: the starter steps aside for the application's own registration, so no
 * request would have its token checked, and nothing said so.
 */
final class DisabledFilterCheck implements SmartInitializingSingleton {
  private final ListableBeanFactory beanFactory;
  private final Environment environment;

  DisabledFilterCheck(ListableBeanFactory beanFactory, Environment environment) {
    this.beanFactory = beanFactory;
    this.environment = environment;
  }

  @Override
  @SuppressWarnings("rawtypes") // getBeansOfType takes the raw class literal; so do the lambdas over its map
  public void afterSingletonsInstantiated() {
    // With tokengate.filter.enabled=false Spring Security's resource server checks the tokens (ResourceServerChecks).
    if (!Binder.get(environment).bind("tokengate.filter.enabled", Boolean.class).orElse(true)) {
      return;
    }
    Map<String, AbstractFilterRegistrationBean> registrations =
        beanFactory.getBeansOfType(AbstractFilterRegistrationBean.class, true, false);
    List<String> tokengate = registrations.entrySet().stream()
        .filter(entry -> entry.getValue().getFilter() instanceof TokenGateFilter).map(Map.Entry::getKey).sorted()
        .toList();
    boolean anyEnabled = tokengate.stream().anyMatch(name -> registrations.get(name).isEnabled());
    if (tokengate.isEmpty() || anyEnabled || unregisteredFilterBean() || inSecurityFilterChain()) {
      return;
    }
    throw new InvalidTokenGatePropertyException("tokengate.filter", "Every TokenGateFilter registration " + tokengate
        + " is disabled (setEnabled(false)) and no Spring Security filter chain holds a TokenGateFilter, so no"
        + " request would have its token checked",
        "Enable the registration, or remove it and let the starter register the filter (with Spring Security on the"
            + " classpath, the starter's filter also publishes the caller to Spring Security).",
        null);
  }

  /** A TokenGateFilter bean that no registration wraps is registered by Spring Boot itself, on /*. */
  @SuppressWarnings("rawtypes")
  private boolean unregisteredFilterBean() {
    Map<String, AbstractFilterRegistrationBean> registrations =
        beanFactory.getBeansOfType(AbstractFilterRegistrationBean.class, true, false);
    return beanFactory.getBeansOfType(TokenGateFilter.class, true, false).values().stream()
        .anyMatch(filter -> registrations.values().stream().noneMatch(r -> r.getFilter() == filter));
  }

  private boolean inSecurityFilterChain() {
    return ClassUtils.isPresent("org.springframework.security.web.SecurityFilterChain",
        DisabledFilterCheck.class.getClassLoader()) && SecurityChains.holdTokenGateFilter(beanFactory);
  }

  // Loaded only when Spring Security is on the classpath.
  private static final class SecurityChains {
    static boolean holdTokenGateFilter(ListableBeanFactory beanFactory) {
      return beanFactory.getBeansOfType(org.springframework.security.web.SecurityFilterChain.class, true, false)
          .values().stream().anyMatch(chain -> chain.getFilters().stream().anyMatch(TokenGateFilter.class::isInstance));
    }
  }
}
