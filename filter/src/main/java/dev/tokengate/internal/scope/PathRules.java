package dev.tokengate.internal.scope;

import dev.tokengate.ScopeRequirement;
import dev.tokengate.ScopeRule;
import java.util.ArrayList;
import java.util.List;

/**
 * Public paths and path scope rules, matched against the container-resolved path of a request (servlet path plus path
 * info), which the request firewall has proved equal to the decoded raw path the application routes on.
 */
public final class PathRules {
  private record CompiledRule(String method, PathPattern pattern, ScopeRequirement requirement) {}

  private final List<PathPattern> publicPaths;
  private final List<CompiledRule> rules;

  public PathRules(List<String> publicPaths, List<ScopeRule> scopeRules) {
    this.publicPaths = publicPaths.stream().map(PathPattern::of).toList();
    List<CompiledRule> compiled = new ArrayList<>();
    for (ScopeRule rule : scopeRules) {
      compiled.add(new CompiledRule(rule.method(), PathPattern.of(rule.pathPattern()),
          ScopeRequirement.all(rule.scopes())));
    }
    this.rules = List.copyOf(compiled);
  }

  public boolean isPublic(String path) {
    for (PathPattern pattern : publicPaths) {
      if (pattern.matches(path)) {
        return true;
      }
    }
    return false;
  }

  /** Every rule matching the request; all of them must be satisfied. */
  public List<ScopeRequirement> requirementsFor(String method, String path) {
    if (rules.isEmpty()) {
      return List.of();
    }
    List<ScopeRequirement> matching = new ArrayList<>(1);
    for (CompiledRule rule : rules) {
      if (appliesTo(rule.method(), method) && rule.pattern().matches(path)) {
        matching.add(rule.requirement());
      }
    }
    return matching;
  }

  // Servlets (HttpServlet.doHead) and Spring MVC answer HEAD with the GET handler, so a GET rule guards HEAD too.
  private static boolean appliesTo(String ruleMethod, String method) {
    return ruleMethod == null || ruleMethod.equals(method) || (ruleMethod.equals("GET") && "HEAD".equals(method));
  }
}
