package dev.tokengate.spring;

import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/** The classes of the application's own beans, as the start-up checks that look for annotations see them. */
final class ApplicationBeanTypes {
  private ApplicationBeanTypes() {}

  /**
   * The user classes (CGLIB proxies unwrapped) of every bean that is not infrastructure, without instantiating any;
   * a type that cannot be determined or loaded is left out.
   */
  static Set<Class<?>> of(ConfigurableListableBeanFactory beanFactory) {
    Set<Class<?>> types = new LinkedHashSet<>();
    for (String name : beanFactory.getBeanDefinitionNames()) {
      BeanDefinition definition = beanFactory.getBeanDefinition(name);
      if (definition.getRole() == BeanDefinition.ROLE_INFRASTRUCTURE) {
        continue;
      }
      Class<?> type;
      try {
        type = beanFactory.getType(name, false);
      } catch (RuntimeException | LinkageError e) {
        continue;
      }
      if (type != null) {
        types.add(ClassUtils.getUserClass(type));
      }
    }
    return types;
  }
}
