package dev.tokengate.spring;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code tokengate.filter.url-patterns} is set to anything but {@code /*} alone, or when {@code
 * tokengate.filter.enabled} is false (Spring Security validates the tokens; the firewall still runs on every path).
 */
final class OnNarrowedUrlPatterns extends SpringBootCondition {
  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    if (!Binder.get(context.getEnvironment()).bind("tokengate.filter.enabled", Boolean.class).orElse(true)) {
      return ConditionOutcome.match("tokengate.filter.enabled is false: the firewall runs on its own");
    }
    List<String> patterns = Binder.get(context.getEnvironment())
        .bind("tokengate.filter.url-patterns", Bindable.listOf(String.class)).orElse(List.of("/*"));
    return patterns.equals(List.of("/*"))
        ? ConditionOutcome.noMatch("tokengate.filter.url-patterns is /*")
        : ConditionOutcome.match("tokengate.filter.url-patterns is " + patterns);
  }
}
