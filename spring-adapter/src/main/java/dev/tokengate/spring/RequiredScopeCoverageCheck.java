package dev.tokengate.spring;

import dev.tokengate.RequiredScope;
import jakarta.servlet.Servlet;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * Fails start-up when {@link RequiredScope} sits where tokengate does not enforce it. {@link RequiredScopeInterceptor}
 * sees Spring MVC's {@code @RequestMapping} handler methods only, and {@code TokenGateFilter} sees servlets; an
 * annotated functional endpoint ({@code RouterFunction} handler), {@code @Bean} method or method of a plain bean (a
 * {@code @Service}, as with method security) was called for any valid token, whatever its scopes, and nothing said
 * so. Runs once every singleton exists (the handler methods are known then) and before the web server opens its port.
 */
final class RequiredScopeCoverageCheck implements SmartInitializingSingleton {
  private final ConfigurableListableBeanFactory beanFactory;
  private final ObjectProvider<RequestMappingInfoHandlerMapping> mappings;

  RequiredScopeCoverageCheck(ConfigurableListableBeanFactory beanFactory,
      ObjectProvider<RequestMappingInfoHandlerMapping> mappings) {
    this.beanFactory = beanFactory;
    this.mappings = mappings;
  }

  @Override
  public void afterSingletonsInstantiated() {
    // Handler types, and per handler type the names and arities of its handler methods.
    Map<Class<?>, Set<String>> handlers = new HashMap<>();
    mappings.orderedStream().forEach(mapping -> {
      for (HandlerMethod method : mapping.getHandlerMethods().values()) {
        handlers.computeIfAbsent(ClassUtils.getUserClass(method.getBeanType()), type -> new HashSet<>())
            .add(signature(method.getMethod()));
      }
    });
    List<String> unenforced = new ArrayList<>();
    for (Class<?> type : ApplicationBeanTypes.of(beanFactory)) {
      if (Servlet.class.isAssignableFrom(type)) {
        continue; // the filter enforces @RequiredScope on servlets
      }
      Set<String> handled = handlers.get(type);
      if (AnnotatedElementUtils.hasAnnotation(type, RequiredScope.class) && handled == null) {
        unenforced.add(type.getName());
        continue;
      }
      for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type, ReflectionUtils.USER_DECLARED_METHODS)) {
        if (AnnotatedElementUtils.hasAnnotation(method, RequiredScope.class)
            && (handled == null || !handled.contains(signature(method)))) {
          unenforced.add(type.getName() + "." + method.getName() + "()");
        }
      }
    }
    if (!unenforced.isEmpty()) {
      unenforced.sort(null);
      throw new InvalidTokenGatePropertyException("tokengate", "@RequiredScope is on " + unenforced + ", which"
          + " tokengate does not enforce: it checks @RequiredScope on Spring MVC @RequestMapping handler methods (and"
          + " their controller classes) and on servlets only, so these would run for any valid token, whatever its"
          + " scopes",
          "Move the annotation to the @RequestMapping method or @Controller that serves the request, or, for a"
              + " functional endpoint (RouterFunction) or other handler, require the scopes with 'tokengate.scope-rules'"
              + " (e.g. 'GET /fn/admin=admin') and remove the annotation.", null);
    }
  }

  // Name and arity: the handler method may be the bridged or inherited declaration of the same method.
  private static String signature(Method method) {
    return method.getName() + "/" + method.getParameterCount();
  }
}
