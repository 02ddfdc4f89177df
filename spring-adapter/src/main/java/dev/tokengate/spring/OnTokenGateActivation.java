package dev.tokengate.spring;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Conditional;

/**
 * tokengate is switched on by {@code tokengate.issuer} or {@code tokengate.issuers[N]}, or by the application's own
 * {@link TokenGateConfig} or {@link TokenValidator} bean (which README documents as the way to configure it in code).
 */
final class OnTokenGateActivation extends AnyNestedCondition {
  OnTokenGateActivation() {
    super(ConfigurationPhase.REGISTER_BEAN);
  }

  @Conditional(OnTokenGateIssuerCondition.class)
  static final class IssuerProperty {}

  @ConditionalOnBean(TokenGateConfig.class)
  static final class OwnConfig {}

  @ConditionalOnBean(TokenValidator.class)
  static final class OwnValidator {}
}
