package dev.tokengate.spring;

import dev.tokengate.RequiredScope;
import dev.tokengate.ScopeRequirement;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * With {@code tokengate.resource-identifier} set, adds the scopes of every {@link RequiredScope} on Spring MVC handler
 * methods and their controllers (directly or as a meta-annotation) to the {@code scopes_supported} of the
 * protected-resource metadata (RFC 9728) that tokengate's filter serves, beside those of the scope rules.
 */
final class RequiredScopeAnnouncer implements SmartInitializingSingleton {
  private final ListableBeanFactory beanFactory;
  private final ObjectProvider<RequestMappingInfoHandlerMapping> mappings;

  RequiredScopeAnnouncer(ListableBeanFactory beanFactory, ObjectProvider<RequestMappingInfoHandlerMapping> mappings) {
    this.beanFactory = beanFactory;
    this.mappings = mappings;
  }

  @Override
  public void afterSingletonsInstantiated() {
    TokenValidator validator = beanFactory.getBeanProvider(TokenValidator.class).getIfAvailable();
    if (validator == null || validator.config().resourceIdentifier().isEmpty()
        || !beanFactory.containsBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME)) {
      return;
    }
    if (!(beanFactory.getBean(TokenGateAutoConfiguration.FILTER_REGISTRATION_BEAN_NAME)
        instanceof FilterRegistrationBean<?> registration)
        || !(registration.getFilter() instanceof TokenGateFilter filter)) {
      return;
    }
    Set<String> scopes = new TreeSet<>();
    mappings.orderedStream().forEach(mapping -> {
      for (HandlerMethod method : mapping.getHandlerMethods().values()) {
        RequiredScope onMethod = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(), RequiredScope.class);
        if (onMethod != null) {
          scopes.addAll(ScopeRequirement.of(onMethod).scopes());
        }
        RequiredScope onClass = AnnotatedElementUtils.findMergedAnnotation(method.getBeanType(), RequiredScope.class);
        if (onClass != null) {
          scopes.addAll(ScopeRequirement.of(onClass).scopes());
        }
      }
    });
    filter.announceScopes(scopes);
  }
}
