package dev.tokengate.spring;

import dev.tokengate.TokenValidator;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.web.servlet.handler.AbstractHandlerMapping;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Fails start-up when {@code tokengate.scope-rules} are set and Spring MVC routes paths case-insensitively ({@code
 * PathPatternParser.setCaseSensitive(false)} in {@code configurePathMatch}). The filter matches rules as the servlet
 * spec maps requests, case-sensitively, so {@code GET /API/admin/report} missed the rule {@code GET /api/admin/*=admin}
 * and still reached the {@code /api/admin/report} handler: a token without {@code admin} got 200. Runs once every
 * singleton exists, before the web server opens its port.
 */
final class CaseInsensitiveRoutingCheck implements SmartInitializingSingleton {
  private final TokenValidator validator;
  private final ObjectProvider<AbstractHandlerMapping> mappings;

  CaseInsensitiveRoutingCheck(TokenValidator validator, ObjectProvider<AbstractHandlerMapping> mappings) {
    this.validator = validator;
    this.mappings = mappings;
  }

  @Override
  public void afterSingletonsInstantiated() {
    if (validator.config().scopeRules().isEmpty()) {
      return; // without rules, every path needs a token whatever its case; @RequiredScope follows the handler
    }
    List<String> insensitive = new ArrayList<>();
    mappings.orderedStream().forEach(mapping -> {
      PathPatternParser parser = mapping.getPatternParser();
      if (parser != null && !parser.isCaseSensitive()) {
        insensitive.add(mapping.getClass().getSimpleName());
      }
    });
    if (!insensitive.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate.scope-rules", "Spring MVC matches paths"
          + " case-insensitively (" + String.join(", ", insensitive) + "), but 'tokengate.scope-rules' match the"
          + " servlet path case-sensitively, as the servlet spec maps requests: /API/admin/x would miss the rule for"
          + " /api/admin/* and still reach its handler",
          "Keep Spring MVC's path matching case-sensitive (drop setCaseSensitive(false) from configurePathMatch), or"
              + " require the scopes with @RequiredScope on the handlers, which follows the handler a request reaches,"
              + " and remove 'tokengate.scope-rules'.", null);
    }
  }
}
