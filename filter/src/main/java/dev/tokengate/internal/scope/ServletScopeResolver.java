package dev.tokengate.internal.scope;

import dev.tokengate.RequiredScope;
import dev.tokengate.ScopeRequirement;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the {@link RequiredScope} of the servlet a request is mapped to: on its {@code doGet}/{@code doPost}/...
 * method (or the method it overrides) first, else on its class (or a superclass); directly or as a meta-annotation.
 * One on {@code service()} holds for every HTTP method as well. Reflection runs once per servlet class; the answer
 * per HTTP method is cached.
 */
public final class ServletScopeResolver {
  private static final Logger log = LoggerFactory.getLogger(ServletScopeResolver.class);
  private static final List<ScopeRequirement> NONE = List.of();
  /** The cache key of every HTTP method without a do* handler; not a valid method token, so never sent. */
  private static final String OTHER_METHODS = "(other)";

  private static final ClassValue<Map<String, List<ScopeRequirement>>> BY_CLASS = new ClassValue<>() {
    @Override
    protected Map<String, List<ScopeRequirement>> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private final ServletContext context;
  private final Map<String, Optional<Class<?>>> servletClasses = new ConcurrentHashMap<>();

  public ServletScopeResolver(ServletContext context) {
    this.context = context;
  }

  /** The requirements of the servlet the request is mapped to, from its {@link RequiredScope}s; all must hold. */
  public List<ScopeRequirement> requirementFor(HttpServletRequest request) {
    return requirementFor(request.getHttpServletMapping(), request.getMethod());
  }

  /** The requirements of the servlet {@code mapping} names (the target of a dispatch), for an HTTP method. */
  public List<ScopeRequirement> requirementFor(HttpServletMapping mapping, String httpMethod) {
    if (mapping == null || mapping.getServletName() == null) {
      return NONE;
    }
    Optional<Class<?>> servletClass = servletClasses.computeIfAbsent(mapping.getServletName(), this::servletClass);
    if (servletClass.isEmpty()) {
      return NONE;
    }
    // The method is the client's text, and any token is a method: keyed by it as sent, the cache grew by one entry
    // per made-up method ("A1", "A2", ...) for as long as the application ran. Every method without a do* handler
    // has the same requirements (class and service()), so they share one entry.
    String key = handlerName(httpMethod) == null ? OTHER_METHODS : httpMethod;
    return BY_CLASS.get(servletClass.get())
        .computeIfAbsent(key, method -> resolve(servletClass.get(), method));
  }

  /** How many answers are cached for a servlet class; for tests that prove the cache is bounded. */
  static int cachedAnswers(Class<?> servletClass) {
    return BY_CLASS.get(servletClass).size();
  }

  /**
   * Whether the named servlet carries {@link RequiredScope} anywhere the filter reads it: its class or a superclass,
   * or a handler or {@code service()} method, directly or as a meta-annotation.
   */
  public boolean carriesRequiredScope(String servletName) {
    Optional<Class<?>> servletClass = servletClasses.computeIfAbsent(servletName, this::servletClass);
    if (servletClass.isEmpty()) {
      return false;
    }
    if (annotatedClass(servletClass.get()) != null) {
      return true;
    }
    for (Class<?> type = servletClass.get(); type != null && type != HttpServlet.class && type != Object.class;
        type = type.getSuperclass()) {
      for (Method method : type.getDeclaredMethods()) {
        if (!method.isSynthetic() && requiredScope(method) != null) {
          return true;
        }
      }
    }
    return false;
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

  static List<ScopeRequirement> resolve(Class<?> servletClass, String httpMethod) {
    List<ScopeRequirement> requirements = new ArrayList<>(2);
    RequiredScope onHandler = annotatedHandler(servletClass, handlerName(httpMethod));
    if (onHandler == null && httpMethod.equals("HEAD")) {
      // HttpServlet answers HEAD by running doGet, so doGet's requirement holds for HEAD too.
      onHandler = annotatedHandler(servletClass, "doGet");
    }
    if (onHandler == null) {
      onHandler = annotatedClass(servletClass);
    }
    if (onHandler != null) {
      requirements.add(ScopeRequirement.of(onHandler));
    }
    // service() runs before any do* method and, when overridden, may handle every method itself: a requirement on
    // it holds for every request, on top of the handler's. Read as it was, it was silently ignored.
    RequiredScope onService = annotatedHandler(servletClass, "service");
    if (onService != null) {
      requirements.add(ScopeRequirement.of(onService));
    }
    return List.copyOf(requirements);
  }

  /**
   * The requirement of the nearest declaration of a handler method, in the application's classes above HttpServlet,
   * that carries one. An override without the annotation keeps the requirement of the method it overrides (as
   * Spring's annotation lookup does for controllers): adding behaviour to a guarded doGet must not unguard it.
   */
  private static RequiredScope annotatedHandler(Class<?> servletClass, String name) {
    if (name == null) {
      return null;
    }
    for (Class<?> type = servletClass; type != null && type != HttpServlet.class && type != Object.class;
        type = type.getSuperclass()) {
      for (Method method : type.getDeclaredMethods()) {
        if (method.getName().equals(name) && method.getParameterCount() == 2 && !method.isSynthetic()) {
          RequiredScope annotation = requiredScope(method);
          if (annotation != null) {
            return annotation;
          }
        }
      }
    }
    return null;
  }

  /** The requirement of the nearest class in the hierarchy that carries one, directly or as a meta-annotation. */
  private static RequiredScope annotatedClass(Class<?> servletClass) {
    for (Class<?> type = servletClass; type != null && type != Object.class; type = type.getSuperclass()) {
      RequiredScope annotation = requiredScope(type);
      if (annotation != null) {
        return annotation;
      }
    }
    return null;
  }

  /**
   * {@link RequiredScope} on an element, directly or through the user's own annotation that carries it (its Target
   * allows ANNOTATION_TYPE, and the Spring adapter honours it so): read directly only, {@code @AdminOnly} on a servlet
   * guarded nothing.
   */
  private static RequiredScope requiredScope(AnnotatedElement element) {
    RequiredScope direct = element.getDeclaredAnnotation(RequiredScope.class);
    return direct != null ? direct : metaAnnotation(element.getDeclaredAnnotations(), new HashSet<>());
  }

  private static RequiredScope metaAnnotation(Annotation[] annotations, Set<Class<?>> seen) {
    for (Annotation annotation : annotations) {
      Class<? extends Annotation> type = annotation.annotationType();
      if (type.getName().startsWith("java.lang.annotation.") || !seen.add(type)) {
        continue;
      }
      RequiredScope found = type.getDeclaredAnnotation(RequiredScope.class);
      if (found == null) {
        found = metaAnnotation(type.getDeclaredAnnotations(), seen);
      }
      if (found != null) {
        return found;
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
