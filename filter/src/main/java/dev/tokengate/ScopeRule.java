package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashSet;
import java.util.List;
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
 * @param method the HTTP method (GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or a WebDAV method), or {@code null}
 *     for every method; a GET rule also covers HEAD
 * @param pathPattern a servlet {@code url-pattern}
 * @param scopes the scopes required, at least one
 */
public record ScopeRule(String method, String pathPattern, Set<String> scopes) {
  /**
   * The methods a rule may name: RFC 9110's (less TRACE, which the request firewall refuses, and CONNECT, which never
   * reaches a servlet), PATCH, and WebDAV's (RFC 4918).
   */
  private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
      "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK");

  /** Validates and copies the components. */
  public ScopeRule {
    if (method != null) {
      if (!method.matches("[A-Za-z]+")) {
        throw new IllegalArgumentException("scope-rules: method must be a word such as GET, was '" + method + "'");
      }
      method = method.toUpperCase(Locale.ROOT);
      // A misspelt method ('GTE') would make its rule match nothing and leave the paths it names unguarded.
      if (!METHODS.contains(method)) {
        throw new IllegalArgumentException("scope-rules: method must be one of " + String.join(", ", METHODS)
            + ", or left out for a rule on every method, was '" + method + "'");
      }
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
