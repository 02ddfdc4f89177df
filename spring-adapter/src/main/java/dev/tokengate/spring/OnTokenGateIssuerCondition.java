package dev.tokengate.spring;

import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.ResolvableType;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code tokengate.issuer} or at least one {@code tokengate.issuers[n]} entry is set. */
final class OnTokenGateIssuerCondition extends SpringBootCondition {
  private static final Bindable<List<Map<String, Object>>> ISSUERS = Bindable.of(ResolvableType.forClassWithGenerics(
      List.class, ResolvableType.forClassWithGenerics(Map.class, String.class, Object.class)));

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    Binder binder = Binder.get(context.getEnvironment());
    // Present but blank still matches: start-up then fails naming the property instead of running unprotected.
    if (binder.bind("tokengate.issuer", Bindable.of(String.class)).isBound()) {
      return ConditionOutcome.match("tokengate.issuer is set");
    }
    if (binder.bind("tokengate.issuers", ISSUERS).map(list -> !list.isEmpty()).orElse(false)) {
      return ConditionOutcome.match("tokengate.issuers is set");
    }
    return ConditionOutcome.noMatch("neither tokengate.issuer nor tokengate.issuers is set");
  }
}
