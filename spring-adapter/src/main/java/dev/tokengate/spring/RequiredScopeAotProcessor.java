package dev.tokengate.spring;

import dev.tokengate.RequiredScope;
import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Spring AOT (registered in {@code META-INF/spring/aot.factories}): the reflection a native image must keep for
 * {@link RequiredScope}. At run time {@link RequiredScopeInterceptor} reads the annotation from handler methods and
 * controller classes, and the start-up check ({@link RequiredScopeCoverageCheck}) lists every bean class's declared
 * methods to find one tokengate would not enforce. A native image keeps reflection metadata only for what is
 * registered; Spring registers handler methods for invocation, but not a controller class's annotations for
 * tokengate's purpose, nor the methods of a plain bean, and a scope check or start-up check that cannot see the
 * annotation fails open. On the JVM (also with {@code -Dspring.aot.enabled=true}) reflection needs no hints; this
 * only writes them into the native-image metadata.
 *
 * <p>Registers {@code @RequiredScope} and its {@code Mode}, and every application bean class that carries the
 * annotation on itself or a method, directly or as a meta-annotation, with its superclasses up to {@code Object}
 * (the check walks inherited methods too). The configuration properties need nothing here: Spring Boot registers
 * {@code @ConfigurationProperties} types itself; tokengate reads no resources at run time.
 */
final class RequiredScopeAotProcessor implements BeanFactoryInitializationAotProcessor {
  @Override
  public BeanFactoryInitializationAotContribution processAheadOfTime(ConfigurableListableBeanFactory beanFactory) {
    Set<String> annotated = new TreeSet<>();
    for (Class<?> type : ApplicationBeanTypes.of(beanFactory)) {
      if (carriesRequiredScope(type)) {
        for (Class<?> current = type; current != null && current != Object.class; current = current.getSuperclass()) {
          annotated.add(current.getName());
        }
      }
    }
    if (annotated.isEmpty()) {
      return null;
    }
    return (generationContext, code) -> {
      ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
      reflection.registerType(RequiredScope.class);
      reflection.registerType(RequiredScope.Mode.class);
      // In Spring Framework 7 a type hint includes introspection: declared methods and their annotations.
      ClassLoader classLoader = beanFactory.getBeanClassLoader();
      for (String name : annotated) {
        reflection.registerType(ClassUtils.resolveClassName(name, classLoader));
      }
    };
  }

  private static boolean carriesRequiredScope(Class<?> type) {
    if (AnnotatedElementUtils.hasAnnotation(type, RequiredScope.class)) {
      return true;
    }
    for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type, ReflectionUtils.USER_DECLARED_METHODS)) {
      if (AnnotatedElementUtils.hasAnnotation(method, RequiredScope.class)) {
        return true;
      }
    }
    return false;
  }
}
