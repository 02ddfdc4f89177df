package dev.tokengate.internal.scope;

import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import dev.tokengate.TokenRejectedException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/** Scopes a request needs, all or any of them; shared by path rules, servlets and the Spring adapter. */
public record ScopeRequirement(Set<String> scopes, RequiredScope.Mode mode) {
  public ScopeRequirement {
    scopes = Set.copyOf(scopes);
  }

  public static ScopeRequirement of(RequiredScope annotation) {
    return new ScopeRequirement(new LinkedHashSet<>(Arrays.asList(annotation.value())), annotation.mode());
  }

  public static ScopeRequirement all(Set<String> scopes) {
    return new ScopeRequirement(scopes, RequiredScope.Mode.ALL);
  }

  public boolean isSatisfiedBy(ClientPrincipal principal) {
    if (mode == RequiredScope.Mode.ANY) {
      return scopes.isEmpty() || scopes.stream().anyMatch(principal::hasScope);
    }
    return principal.scopes().containsAll(scopes);
  }

  /** Throws 403 {@code insufficient_scope} naming the scopes, unless the principal satisfies this requirement. */
  public void check(ClientPrincipal principal) throws TokenRejectedException {
    if (!isSatisfiedBy(principal)) {
      throw new TokenRejectedException(BearerError.INSUFFICIENT_SCOPE,
          mode == RequiredScope.Mode.ANY
              ? "The access token lacks every one of the scopes this request accepts"
              : "The access token lacks a scope this request requires",
          scopes);
    }
  }
}
