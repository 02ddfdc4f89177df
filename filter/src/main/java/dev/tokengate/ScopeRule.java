package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A path rule: requests whose method and path match need all of {@link #scopes()}.
 *
 * <p>The path pattern uses the servlet {@code url-pattern} syntax: an exact path ({@code /api/orders}), a prefix
 * ending in {@code /*} ({@code /api/countries/*}, which also matches {@code /api/countries}), or an extension ({@code
 * *.csv}, matched on the last dot of the last segment, so {@code /open/report.2024.csv} matches), as Servlet 6 §12.2
 * maps requests. The path is the one the application routes on, context path removed and decoded: the filter's
 * request firewall refuses {@code ;}, encoded dots and slashes, dot segments and other paths a container and a
 * framework could read differently, so {@code /api/x/../countries} cannot slip past a rule. A {@code GET} rule also
 * covers {@code HEAD}, which servlets and Spring MVC answer with the GET handler. A pattern that can never match
 * ({@code /api/**}, {@code /a*}, {@code *.tar.gz}) is refused by {@link TokenGateConfig.Builder#scopeRule(ScopeRule)}.
 *
 * <p>In settings a rule is written {@code [METHOD] pattern=scope1 scope2}, e.g. {@code GET
 * /api/countries/*=countries:read}; several rules are separated by commas or new lines.
 *
 * @param method the HTTP method in upper case, or {@code null} for every method
 * @param pathPattern a servlet {@code url-pattern}
 * @param scopes the scopes required, at least one
 */
public record ScopeRule(String method, String pathPattern, Set<String> scopes) {
  /** Validates and copies the components. */
  public ScopeRule {
    if (method != null) {
      if (!method.matches("[A-Za-z]+")) {
        throw new IllegalArgumentException("scope-rules: method must be a word such as GET, was '" + method + "'");
      }
      method = method.toUpperCase(Locale.ROOT);
    }
    requireNonNull(pathPattern, "pathPattern");
    if (!(pathPattern.startsWith("/") || pathPattern.startsWith("*."))) {
      throw new IllegalArgumentException(
          "scope-rules: path pattern must start with '/' or '*.', was '" + pathPattern + "'");
    }
    scopes = Set.copyOf(scopes);
    if (scopes.isEmpty()) {
      throw new IllegalArgumentException("scope-rules: rule for '" + pathPattern + "' names no scope");
    }
  }

  /**
   * Parses a rule in settings syntax, {@code [METHOD] pattern=scope1 scope2}.
   *
   * @throws IllegalArgumentException naming the setting and the rule, when it does not parse
   */
  public static ScopeRule parse(String rule) {
    String text = rule.strip();
    int equals = text.lastIndexOf('=');
    if (equals < 0) {
      throw new IllegalArgumentException(
          "scope-rules: expected '[METHOD] /path=scope1 scope2', e.g. 'GET /api/countries/*=countries:read', was '"
              + text + "'");
    }
    String[] target = text.substring(0, equals).strip().split("\\s+");
    Set<String> scopes = new LinkedHashSet<>();
    for (String scope : text.substring(equals + 1).strip().split("\\s+")) {
      if (!scope.isEmpty()) {
        scopes.add(scope);
      }
    }
    if (target.length == 1) {
      return new ScopeRule(null, target[0], scopes);
    }
    if (target.length == 2) {
      return new ScopeRule(target[0], target[1], scopes);
    }
    throw new IllegalArgumentException(
        "scope-rules: expected '[METHOD] /path=scope1 scope2', e.g. 'GET /api/countries/*=countries:read', was '"
            + text + "'");
  }
}
