package dev.tokengate.spring;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.spi.ValidationListener;
import org.springframework.beans.factory.ObjectProvider;
import dev.tokengate.spring.security.TokenGateReactiveJwtDecoder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * WebFlux with Spring Security: tokengate's engine as the {@link ReactiveJwtDecoder} of {@code
 * oauth2ResourceServer(o -> o.jwt(...))}, a {@link TokenGateReactiveJwtDecoder}, once {@code tokengate.issuer} (or
 * {@code tokengate.issuers}) is set or the application defines a {@link TokenGateConfig} or {@link TokenValidator}.
 * Every {@link ServerHttpSecurity} gets a web filter that answers keys that cannot be had with 503 and {@code
 * Retry-After}; tokengate's request firewall ({@link RequestFirewallWebFilter}) runs ahead of Spring Security's chain;
 * refusals are answered in tokengate's RFC 6750 form ({@link ReactiveBearerAnswers}); the decoder tells the {@link
 * ValidationListener} beans (Micrometer's counter among them) each outcome. The start-up checks ({@code TokenGateStartupChecks}) fail a reactive application that uses tokengate
 * without a Spring Security {@code SecurityWebFilterChain}, where no request would be checked.
 */
@AutoConfiguration(after = TokenGateSafetyAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ServerHttpSecurity.class, ReactiveJwtDecoder.class, Mono.class})
@org.springframework.context.annotation.Conditional(OnTokenGateActivation.class)
@EnableConfigurationProperties(TokenGateProperties.class)
public final class TokenGateReactiveSecurityAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean({TokenGateConfig.class, TokenValidator.class})
  TokenGateConfig tokenGateConfig(TokenGateProperties properties) {
    return TokenGateConfigFactory.create(properties);
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  TokenValidator tokenGateValidator(TokenGateConfig config) {
    return TokenValidator.create(config);
  }

  @Bean
  @ConditionalOnMissingBean
  ReactiveJwtDecoder tokenGateReactiveJwtDecoder(TokenValidator validator,
      ObjectProvider<ValidationListener> listeners) {
    return new TokenGateReactiveJwtDecoder(validator, Schedulers.boundedElastic(),
        new TokenGateAutoConfiguration.CompositeListener(listeners.orderedStream().toList()));
  }

  /** tokengate's request firewall ahead of Spring Security's chain: see {@link RequestFirewallWebFilter}. */
  @Bean
  RequestFirewallWebFilter tokenGateRequestFirewallWebFilter(ObjectProvider<ValidationListener> listeners) {
    return new RequestFirewallWebFilter(
        new TokenGateAutoConfiguration.CompositeListener(listeners.orderedStream().toList()));
  }

  /** Refusals in tokengate's RFC 6750 form: see {@link ReactiveBearerAnswers}. */
  @Bean
  static ReactiveBearerAnswers tokenGateReactiveBearerAnswers(ObjectProvider<TokenValidator> validator) {
    return new ReactiveBearerAnswers(() -> validator.getObject().config().realm());
  }

  @Bean
  static ReactiveResourceServerChecks tokenGateReactiveResourceServerChecks(
      org.springframework.beans.factory.ListableBeanFactory beanFactory) {
    return new ReactiveResourceServerChecks(beanFactory);
  }

  @Bean
  Customizer<ServerHttpSecurity> tokenGateKeysUnavailableCustomizer() {
    KeysUnavailableAnswerWebFilter filter = new KeysUnavailableAnswerWebFilter();
    return http -> http.addFilterBefore(filter, SecurityWebFiltersOrder.AUTHENTICATION);
  }
}
