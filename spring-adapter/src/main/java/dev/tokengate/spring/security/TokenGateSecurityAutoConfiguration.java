package dev.tokengate.spring.security;

import dev.tokengate.BearerResponses;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import dev.tokengate.spring.TokenGateAutoConfiguration;
import dev.tokengate.spring.TokenGateProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import dev.tokengate.spring.ResourceServerChecks;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * With Spring Security on the classpath, shows the caller tokengate's filter accepted to Spring Security: every
 * {@link HttpSecurity} the application builds (each {@link SecurityFilterChain} bean) gets, through a {@link
 * Customizer} bean that Spring Security applies to all of them, a filter right after {@code SecurityContextHolderFilter}
 * that puts a {@link ClientAuthentication} in the {@code SecurityContext} for that request (principal: the {@link
 * dev.tokengate.ClientPrincipal}, one {@code SCOPE_} authority per scope), and an access-denied handler that answers
 * Spring Security's refusals of such a caller with tokengate's RFC 6750 403. So {@code authenticated()}, {@code
 * hasAuthority('SCOPE_…')}, {@code @PreAuthorize}, {@code @Secured} and {@code @AuthenticationPrincipal
 * ClientPrincipal} work without user code, and the token is validated once, by tokengate's filter.
 *
 * <p>An access-denied handler the application sets itself ({@code exceptionHandling(e -> e.accessDeniedHandler(…))})
 * still wins: tokengate's is registered as a default, for requests it accepted.
 */
@AutoConfiguration(after = TokenGateAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({HttpSecurity.class, SecurityFilterChain.class})
@ConditionalOnBean({TokenValidator.class, TokenGateProperties.class})
public final class TokenGateSecurityAutoConfiguration {
  /** The bean name of the customizer Spring Security applies to every {@link HttpSecurity}. */
  public static final String HTTP_SECURITY_CUSTOMIZER_BEAN_NAME = "tokenGateHttpSecurityCustomizer";

  /** Mode 2: Spring Security's oauth2ResourceServer(jwt) validates, with tokengate's engine as its decoder. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({JwtDecoder.class, BearerTokenAuthenticationFilter.class})
  static class ResourceServerSupport {
    // Also next to tokengate's filter: a chain with oauth2ResourceServer() then builds, and ResourceServerChecks fails
    // start-up saying what to change, rather than Spring Security failing on a missing JwtDecoder.
    @Bean
    @ConditionalOnMissingBean
    JwtDecoder tokenGateJwtDecoder(TokenValidator validator,
        ObjectProvider<dev.tokengate.spi.ValidationListener> listeners) {
      return new TokenGateJwtDecoder(validator, new ListenerChain(listeners.orderedStream().toList()));
    }

    /**
     * The bearer token found as tokengate's filter finds it (one {@code Authorization} header only, no regular
     * expression): see {@link TokenGateBearerTokenResolver}. {@code oauth2ResourceServer()} takes it when its DSL sets
     * no resolver ({@code bearerTokenResolver(…)}) or converter; a {@link BearerTokenResolver} bean of the
     * application's own replaces it. Only in mode 2 ({@code tokengate.filter.enabled=false}): with tokengate's filter
     * on, no chain may use {@code oauth2ResourceServer()} (see {@link ResourceServerChecks}), and a bean nothing reads
     * could only collide with a resolver bean an application registers late.
     */
    @Bean
    @ConditionalOnBooleanProperty(name = "tokengate.filter.enabled", havingValue = false)
    @ConditionalOnMissingBean(BearerTokenResolver.class)
    BearerTokenResolver tokenGateBearerTokenResolver() {
      return new TokenGateBearerTokenResolver();
    }

    @Bean
    Customizer<HttpSecurity> tokenGateKeysUnavailableCustomizer(TokenValidator validator) {
      KeysUnavailableAnswerFilter filter = new KeysUnavailableAnswerFilter(validator.config().realm());
      return http -> http.addFilterBefore(filter, BearerTokenAuthenticationFilter.class);
    }

    /** A refused token answered 401 in tokengate's form: see {@link BearerEntryPoints}. */
    @Bean
    static BearerEntryPoints tokenGateBearerEntryPoints(ObjectProvider<TokenValidator> validator) {
      return new BearerEntryPoints(() -> validator.getObject().config().realm());
    }

    /**
     * Spring Security's refusal of a caller its resource server authenticated (a missing scope) answered as
     * tokengate's filter answers it: 403 {@code insufficient_scope}, naming the scopes behind the {@code SCOPE_}
     * authorities a rule wanted. Registered as a default, so an access-denied handler set with {@code
     * exceptionHandling(e -> e.accessDeniedHandler(…))} still wins.
     */
    @Bean
    Customizer<HttpSecurity> tokenGateBearerAccessDeniedCustomizer(TokenValidator validator,
        ObjectProvider<SecurityContextHolderStrategy> strategies) {
      SecurityContextHolderStrategy strategy =
          strategies.getIfAvailable(SecurityContextHolder::getContextHolderStrategy);
      // Spring's JwtAuthenticationConverter makes SCOPE_ authorities whatever tokengate.security.authority-prefix says.
      ClientAccessDeniedHandler deniedHandler = new ClientAccessDeniedHandler(BearerResponses.forConfig(validator.config()), "SCOPE_");
      RequestMatcher bearerCaller = request -> strategy.getContext().getAuthentication()
          instanceof org.springframework.security.oauth2.server.resource.authentication
              .AbstractOAuth2TokenAuthenticationToken<?>;
      return http -> {
        try {
          http.exceptionHandling(handling -> handling.defaultAccessDeniedHandlerFor(deniedHandler, bearerCaller));
        } catch (Exception e) {
          throw new IllegalStateException("Could not add tokengate's access-denied handler to Spring Security", e);
        }
      };
    }

    @Bean
    static ResourceServerChecks tokenGateResourceServerChecks(ListableBeanFactory beanFactory,
        org.springframework.core.env.Environment environment) {
      return new ResourceServerChecks(beanFactory, org.springframework.boot.context.properties.bind.Binder
          .get(environment).bind("tokengate.filter.enabled", Boolean.class).orElse(true));
    }
  }

  @Bean(HTTP_SECURITY_CUSTOMIZER_BEAN_NAME)
  Customizer<HttpSecurity> tokenGateHttpSecurityCustomizer(TokenValidator validator, TokenGateProperties properties,
      ObjectProvider<SecurityContextHolderStrategy> strategies) {
    String prefix = properties.getSecurity().getAuthorityPrefix() == null
        ? ""
        : properties.getSecurity().getAuthorityPrefix();
    SecurityContextHolderStrategy strategy = strategies.getIfAvailable(SecurityContextHolder::getContextHolderStrategy);
    ClientAuthenticationFilter filter = new ClientAuthenticationFilter(strategy, prefix);
    ClientAccessDeniedHandler deniedHandler = new ClientAccessDeniedHandler(BearerResponses.forConfig(validator.config()), prefix);
    RequestMatcher acceptedByTokengate = request -> TokenGateFilter.principal(request).isPresent();
    return http -> {
      http.addFilterAfter(filter, SecurityContextHolderFilter.class);
      try {
        http.exceptionHandling(handling -> handling.defaultAccessDeniedHandlerFor(deniedHandler, acceptedByTokengate));
        // A bearer token is no ambient credential a browser sends by itself: as Spring Security's resource server
        // does, CSRF protection is not asked of requests that carried one.
        http.csrf(csrf -> csrf.ignoringRequestMatchers(acceptedByTokengate));
      } catch (Exception e) {
        throw new IllegalStateException("Could not add tokengate's access-denied handler to Spring Security", e);
      }
    };
  }
}
