package dev.tokengate.spring;

import dev.tokengate.BearerResponses;
import dev.tokengate.RequestFirewallFilter;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import dev.tokengate.spi.ValidationListener;
import jakarta.servlet.DispatcherType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.springframework.beans.factory.ListableBeanFactory;
import dev.tokengate.spi.DpopReplayStore;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingFilterBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Protects a servlet web application with {@link TokenGateFilter} once {@code tokengate.issuer} (or {@code
 * tokengate.issuers}) is set, or the application defines its own {@link TokenGateConfig} or {@link TokenValidator}
 * bean: a {@link TokenGateConfig} from the {@code tokengate.*} properties, a {@link TokenValidator}, and the filter
 * registered on {@code tokengate.filter.url-patterns} for every dispatch type (with its request firewall on every
 * path when the mapping is narrower than {@code /*}). With Spring MVC it also enforces {@link
 * dev.tokengate.RequiredScope} on controllers and resolves {@link dev.tokengate.ClientPrincipal} handler-method
 * parameters. Every bean backs off when the application defines its own. Where it would otherwise stay off without a
 * word, {@link TokenGateSafetyAutoConfiguration} fails start-up instead.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Conditional(OnTokenGateActivation.class)
@EnableConfigurationProperties(TokenGateProperties.class)
public final class TokenGateAutoConfiguration {
  /** The bean name of the filter's registration. */
  public static final String FILTER_REGISTRATION_BEAN_NAME = "tokenGateFilterRegistration";

  /** The bean name of the request firewall's registration on {@code /*}, when the filter is mapped to less. */
  public static final String FIREWALL_REGISTRATION_BEAN_NAME = "tokenGateFirewallRegistration";

  // A user's validator brings its own configuration, so the properties are not required then.
  @Bean
  @ConditionalOnMissingBean({TokenGateConfig.class, TokenValidator.class})
  TokenGateConfig tokenGateConfig(TokenGateProperties properties, ObjectProvider<DpopReplayStore> replayStore) {
    // A DpopReplayStore bean (e.g. tokengate-redis's, shared by the fleet) replaces the in-process one.
    return TokenGateConfigFactory.create(properties, replayStore.getIfUnique());
  }

  // The context closes it: the filter's destroy() leaves a validator it was given alone.
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  TokenValidator tokenGateValidator(TokenGateConfig config) {
    return TokenValidator.create(config);
  }

  @Bean(FILTER_REGISTRATION_BEAN_NAME)
  @ConditionalOnMissingFilterBean(TokenGateFilter.class)
  FilterRegistrationBean<TokenGateFilter> tokenGateFilterRegistration(
      TokenValidator validator, TokenGateProperties properties, ObjectProvider<ValidationListener> listeners) {
    List<String> urlPatterns = TokenGateConfigFactory.urlPatterns(properties);
    List<ValidationListener> all = listeners.orderedStream().toList();
    FilterRegistrationBean<TokenGateFilter> registration = new FilterRegistrationBean<>(
        all.isEmpty() ? new TokenGateFilter(validator) : new TokenGateFilter(validator, new CompositeListener(all)));
    registration.setName("tokengate");
    registration.setUrlPatterns(urlPatterns);
    registration.setOrder(properties.getFilter().getOrder());
    // Every dispatch: the filter shows the caller it accepted on the REQUEST dispatch to the ASYNC, FORWARD, INCLUDE
    // and ERROR dispatches of the same request (without validating again), and checks their targets' rules.
    registration.setDispatcherTypes(EnumSet.allOf(DispatcherType.class));
    registration.setAsyncSupported(true);
    // tokengate.filter.enabled=false: Spring Security's oauth2ResourceServer() validates, with tokengate's decoder.
    registration.setEnabled(properties.getFilter().isEnabled());
    return registration;
  }

  /**
   * With the filter mapped to fewer paths than {@code /*}, its request firewall still runs on every path: see {@link
   * RequestFirewallFilter}.
   */
  @Bean(FIREWALL_REGISTRATION_BEAN_NAME)
  @Conditional(OnNarrowedUrlPatterns.class)
  FilterRegistrationBean<RequestFirewallFilter> tokenGateFirewallRegistration(TokenGateProperties properties,
      ObjectProvider<ValidationListener> listeners) {
    FilterRegistrationBean<RequestFirewallFilter> registration = new FilterRegistrationBean<>(
        new RequestFirewallFilter(new CompositeListener(listeners.orderedStream().toList())));
    registration.setName("tokengate-firewall");
    registration.setUrlPatterns(List.of("/*"));
    registration.setOrder(properties.getFilter().getOrder());
    registration.setDispatcherTypes(DispatcherType.REQUEST);
    registration.setAsyncSupported(true);
    return registration;
  }

  // The starter steps aside for the application's own registration: if every one is switched off and no Spring
  // Security chain holds the filter, no request is checked. Fails start-up then.
  @Bean
  static DisabledFilterCheck tokenGateDisabledFilterCheck(ListableBeanFactory beanFactory, Environment environment) {
    return new DisabledFilterCheck(beanFactory, environment);
  }

  /** {@link dev.tokengate.RequiredScope} and {@link dev.tokengate.ClientPrincipal} parameters on controllers. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(WebMvcConfigurer.class)
  static class WebMvcSupport {
    @Bean
    @ConditionalOnMissingBean
    RequiredScopeInterceptor requiredScopeInterceptor(TokenValidator validator,
        ObjectProvider<ValidationListener> listeners) {
      return new RequiredScopeInterceptor(BearerResponses.forConfig(validator.config()),
          new CompositeListener(listeners.orderedStream().toList()));
    }

    // The interceptor sees @RequestMapping handler methods only: @RequiredScope anywhere else fails start-up.
    @Bean
    static RequiredScopeCoverageCheck tokenGateRequiredScopeCoverageCheck(ConfigurableListableBeanFactory beanFactory,
        ObjectProvider<RequestMappingInfoHandlerMapping> mappings) {
      return new RequiredScopeCoverageCheck(beanFactory, mappings);
    }

    // RFC 9728 scopes_supported: the scopes @RequiredScope demands, beside those of the scope rules.
    @Bean
    static RequiredScopeAnnouncer tokenGateRequiredScopeAnnouncer(ListableBeanFactory beanFactory,
        ObjectProvider<RequestMappingInfoHandlerMapping> mappings) {
      return new RequiredScopeAnnouncer(beanFactory, mappings);
    }

    // Scope rules match case-sensitively: case-insensitive routing would walk around them.
    @Bean
    CaseInsensitiveRoutingCheck tokenGateCaseInsensitiveRoutingCheck(TokenValidator validator,
        ObjectProvider<org.springframework.web.servlet.handler.AbstractHandlerMapping> mappings) {
      return new CaseInsensitiveRoutingCheck(validator, mappings);
    }

    @Bean
    @ConditionalOnMissingBean
    ClientPrincipalArgumentResolver clientPrincipalArgumentResolver() {
      return new ClientPrincipalArgumentResolver();
    }

    @Bean
    WebMvcConfigurer tokenGateWebMvcConfigurer(RequiredScopeInterceptor interceptor) {
      return new WebMvcConfigurer() {
        @Override
        public void addInterceptors(InterceptorRegistry registry) {
          registry.addInterceptor(interceptor);
        }
      };
    }

    // Spring MVC resolves any Principal-typed parameter from getUserPrincipal() before it asks custom resolvers.
    // Behind Spring Security that is Spring Security's principal (null when anonymous), so the ClientPrincipal
    // resolver goes first.
    @Bean
    static BeanPostProcessor tokenGateArgumentResolverFirst(ObjectProvider<ClientPrincipalArgumentResolver> resolver) {
      return new BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) {
          if (bean instanceof RequestMappingHandlerAdapter adapter && adapter.getArgumentResolvers() != null) {
            List<HandlerMethodArgumentResolver> resolvers = new ArrayList<>();
            resolvers.add(resolver.getObject());
            resolvers.addAll(adapter.getArgumentResolvers());
            adapter.setArgumentResolvers(resolvers);
          }
          return bean;
        }
      };
    }
  }

  /**
   * Calls every listener in order, each isolated: a listener is an observer, so one that throws neither stops the
   * next nor reaches the caller, where it could turn a 401 or 403 into a 500.
   */
  static final class CompositeListener implements ValidationListener {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CompositeListener.class);

    private final List<ValidationListener> listeners;

    CompositeListener(List<ValidationListener> listeners) {
      this.listeners = List.copyOf(listeners);
    }

    @Override
    public void onAccepted(dev.tokengate.ClientPrincipal principal) {
      each(l -> l.onAccepted(principal));
    }

    @Override
    public void onRejected(dev.tokengate.BearerError error, String description) {
      each(l -> l.onRejected(error, description));
    }

    @Override
    public void onTokenMissing() {
      each(ValidationListener::onTokenMissing);
    }

    @Override
    public void onKeysUnavailable() {
      each(ValidationListener::onKeysUnavailable);
    }

    // Without it, the default would hear every 503 as an outage, a pending key refresh included.
    @Override
    public void onKeysUnavailable(dev.tokengate.KeysUnavailableException.Reason reason) {
      each(l -> l.onKeysUnavailable(reason));
    }

    private void each(java.util.function.Consumer<ValidationListener> call) {
      for (ValidationListener listener : listeners) {
        try {
          call.accept(listener);
        } catch (RuntimeException | LinkageError e) {
          log.warn("ValidationListener {} failed; the request's outcome is unchanged", listener, e);
        }
      }
    }
  }
}
