package dev.tokengate.spring;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Always present, whether tokengate is switched on or not: fails start-up, naming the property and the fix, where the
 * starter would otherwise leave the application unprotected without a word (see {@link TokenGateStartupChecks}). Its
 * checks run before any bean is created, so the web server never opens its port.
 */
@AutoConfiguration(before = TokenGateAutoConfiguration.class)
public final class TokenGateSafetyAutoConfiguration {
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  static class ServletApplication {
    @Bean
    static BeanFactoryPostProcessor tokenGateStartupChecks() {
      return new Checks(false);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
  static class ReactiveApplication {
    @Bean
    static BeanFactoryPostProcessor tokenGateStartupChecks() {
      return new Checks(true);
    }
  }

  private static final class Checks implements BeanFactoryPostProcessor, EnvironmentAware {
    private final boolean reactive;
    private Environment environment;

    Checks(boolean reactive) {
      this.reactive = reactive;
    }

    @Override
    public void setEnvironment(Environment environment) {
      this.environment = environment;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
      TokenGateStartupChecks checks = new TokenGateStartupChecks(beanFactory, environment);
      if (reactive) {
        checks.checkReactiveApplication();
      } else {
        checks.checkServletApplication();
      }
    }
  }
}
