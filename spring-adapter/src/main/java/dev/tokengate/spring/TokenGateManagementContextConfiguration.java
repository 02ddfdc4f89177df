package dev.tokengate.spring;

import dev.tokengate.RequestFirewallFilter;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.AbstractFilterRegistrationBean;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Actuator management server on its own port ({@code management.server.port}) runs in a child context with its
 * own servlet container, which the application's filters are not registered with. This puts the application's
 * tokengate filter (and its request firewall) in front of it too, mapped the same way, so that {@code /actuator/env}
 * needs a token on either port. {@code tokengate.management.protect=false} opens the port, with a warning.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
// Not @ConditionalOnBean(TokenValidator.class): an application's own TokenGateFilter bean built from a config in code
// has no TokenValidator bean, and its management port answered anyone. The post-processor decides below.
final class TokenGateManagementContextConfiguration {
  private static final Logger log = LoggerFactory.getLogger(TokenGateManagementContextConfiguration.class);

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = "tokengate.management.protect", matchIfMissing = true)
  static class Protected {
    @Bean
    static BeanFactoryPostProcessor tokenGateManagementFilters(ApplicationContext child) {
      return beanFactory -> {
        ApplicationContext parent = child.getParent();
        Map<String, AbstractFilterRegistrationBean<?>> registrations = tokengateRegistrations(parent);
        // The firewall alone checks no token (tokengate.filter.enabled=false): that port would be open.
        if (registrations.values().stream().noneMatch(r -> r.getFilter() instanceof TokenGateFilter)) {
          if (registrations.isEmpty() && parent.getBeanNamesForType(TokenValidator.class).length == 0) {
            return; // tokengate is not in use in this application
          }
          throw new InvalidTokenGatePropertyException("tokengate.management.protect", "tokengate protects this"
              + " application but finds no TokenGateFilter registration to put in front of the management server"
              + " on its own port (management.server.port), which would answer without any token check",
              "Register the filter as a FilterRegistrationBean<TokenGateFilter> or a TokenGateFilter bean (or let"
                  + " the starter register it), or set 'tokengate.management.protect' to false to leave the"
                  + " management port open on purpose.", null);
        }
        BeanDefinitionRegistry registry = (BeanDefinitionRegistry) beanFactory;
        registrations.forEach((name, registration) -> registry.registerBeanDefinition(name + "ForManagement",
            new RootBeanDefinition(FilterRegistrationBean.class, () -> mirror(registration))));
      };
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = "tokengate.management.protect", havingValue = false)
  static class Open {
    Open() {
      log.warn("tokengate does not protect the management server on its own port: tokengate.management.protect is"
          + " false, so every Actuator endpoint exposed there answers anyone who can reach the port");
    }
  }

  /**
   * The parent's enabled registrations of the filter and of its firewall; a bare TokenGateFilter bean is mapped to /*
   * as Spring Boot maps it.
   */
  private static Map<String, AbstractFilterRegistrationBean<?>> tokengateRegistrations(ListableBeanFactory parent) {
    Map<String, AbstractFilterRegistrationBean<?>> found = new LinkedHashMap<>();
    parent.getBeansOfType(AbstractFilterRegistrationBean.class).forEach((name, registration) -> {
      Filter filter = registration.getFilter();
      if (registration.isEnabled() && (filter instanceof TokenGateFilter || filter instanceof RequestFirewallFilter)) {
        found.put(name, registration);
      }
    });
    parent.getBeansOfType(TokenGateFilter.class).forEach((name, filter) -> {
      if (parent.getBeansOfType(AbstractFilterRegistrationBean.class).values().stream()
          .noneMatch(registration -> registration.getFilter() == filter)) {
        FilterRegistrationBean<TokenGateFilter> registration = new FilterRegistrationBean<>(filter);
        registration.setName(name);
        found.put(name, registration);
      }
    });
    return found;
  }

  private static FilterRegistrationBean<Filter> mirror(AbstractFilterRegistrationBean<?> registration) {
    FilterRegistrationBean<Filter> mirror = new FilterRegistrationBean<>(new Shared(registration.getFilter()));
    mirror.setName(registration.getFilterName());
    mirror.setUrlPatterns(registration.getUrlPatterns());
    mirror.setServletNames(registration.getServletNames());
    mirror.setDispatcherTypes(registration.determineDispatcherTypes());
    mirror.setMatchAfter(registration.isMatchAfter());
    mirror.setAsyncSupported(registration.isAsyncSupported());
    mirror.setOrder(registration.getOrder());
    return mirror;
  }

  /**
   * The application's filter instance, shared with the management server's container the way Spring Boot shares
   * Spring Security's chain: one validator, one token cache, one set of listeners. The application's container
   * initializes and destroys it; this one must not do either a second time.
   */
  private static final class Shared implements Filter {
    private final Filter filter;

    Shared(Filter filter) {
      this.filter = filter;
    }

    @Override
    public void init(FilterConfig filterConfig) {}

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      filter.doFilter(request, response, chain);
    }

    @Override
    public void destroy() {}
  }
}
