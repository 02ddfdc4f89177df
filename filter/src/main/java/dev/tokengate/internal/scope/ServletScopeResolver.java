package dev.tokengate.internal.scope;

import dev.tokengate.RequiredScope;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@link RequiredScope} of the servlet a request is mapped to: on its {@code doGet}/{@code doPost}/...
 * method first, else on its class. Reflection runs once per servlet class; the answer per HTTP method is cached.
 */
public final class ServletScopeResolver {
  private static final Logger log = LoggerFactory.getLogger(ServletScopeResolver.class);
  private static final Optional<ScopeRequirement> NONE = Optional.empty();

  private static final ClassValue<Map<String, Optional<ScopeRequirement>>> BY_CLASS = new ClassValue<>() {
    @Override
    protected Map<String, Optional<ScopeRequirement>> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private final ServletContext context;
  private final Map<String, Optional<Class<?>>> servletClasses = new ConcurrentHashMap<>();

  public ServletScopeResolver(ServletContext context) {
    this.context = context;
  }

  /** The requirement of the servlet the request is mapped to, if it carries {@link RequiredScope}. */
  public Optional<ScopeRequirement> requirementFor(HttpServletRequest request) {
    return requirementFor(request.getHttpServletMapping(), request.getMethod());
  }

  /** The requirement of the servlet {@code mapping} names (the target of a dispatch), for an HTTP method. */
  public Optional<ScopeRequirement> requirementFor(HttpServletMapping mapping, String httpMethod) {
    if (mapping == null || mapping.getServletName() == null) {
      return NONE;
    }
    Optional<Class<?>> servletClass = servletClasses.computeIfAbsent(mapping.getServletName(), this::servletClass);
    if (servletClass.isEmpty()) {
      return NONE;
    }
    return BY_CLASS.get(servletClass.get())
        .computeIfAbsent(httpMethod, method -> resolve(servletClass.get(), method));
  }

  private Optional<Class<?>> servletClass(String servletName) {
    ServletRegistration registration = context.getServletRegistration(servletName);
    if (registration == null || registration.getClassName() == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Class.forName(registration.getClassName(), false, classLoader()));
    } catch (ClassNotFoundException | LinkageError e) {
      log.debug("Cannot load servlet class {} to read @RequiredScope: {}", registration.getClassName(), e.toString());
      return Optional.empty();
    }
  }

  private ClassLoader classLoader() {
    ClassLoader loader = context.getClassLoader();
    return loader != null ? loader : Thread.currentThread().getContextClassLoader();
  }

  static Optional<ScopeRequirement> resolve(Class<?> servletClass, String httpMethod) {
    Method handler = handler(servletClass, handlerName(httpMethod));
    if (handler == null && httpMethod.equals("HEAD")) {
      // HttpServlet answers HEAD by running doGet, so doGet's requirement holds for HEAD too.
      handler = handler(servletClass, "doGet");
    }
    RequiredScope annotation = handler == null ? null : handler.getAnnotation(RequiredScope.class);
    if (annotation == null) {
      annotation = servletClass.getAnnotation(RequiredScope.class);
    }
    return annotation == null ? NONE : Optional.of(ScopeRequirement.of(annotation));
  }

  /** The most specific declaration of a handler method in the application's classes, above HttpServlet. */
  private static Method handler(Class<?> servletClass, String name) {
    if (name == null) {
      return null;
    }
    for (Class<?> type = servletClass; type != null && type != HttpServlet.class && type != Object.class;
        type = type.getSuperclass()) {
      Method method = declaredHandler(type, name);
      if (method != null) {
        return method;
      }
    }
    return null;
  }

  private static Method declaredHandler(Class<?> type, String name) {
    for (Method method : type.getDeclaredMethods()) {
      if (method.getName().equals(name) && method.getParameterCount() == 2 && !method.isSynthetic()) {
        return method;
      }
    }
    return null;
  }

  private static String handlerName(String httpMethod) {
    return switch (httpMethod) {
      case "GET" -> "doGet";
      case "POST" -> "doPost";
      case "PUT" -> "doPut";
      case "DELETE" -> "doDelete";
      case "PATCH" -> "doPatch";
      case "HEAD" -> "doHead";
      case "OPTIONS" -> "doOptions";
      case "TRACE" -> "doTrace";
      default -> null;
    };
  }
}
