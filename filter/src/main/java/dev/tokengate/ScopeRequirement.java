package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The scopes a request needs, all or any of them: what a {@link RequiredScope} or a {@link ScopeRule} demands, and the
 * check {@link TokenGateFilter} applies.
 *
 * <p>For code that enforces {@code @RequiredScope} outside the filter (the Spring Boot starter's interceptor does):
 * read the annotation with {@link #of(RequiredScope)}, then {@link #check(ClientPrincipal)} the caller and answer the
 * {@link TokenRejectedException} it throws with {@link BearerResponses#reject}. Then the caller sees the same 403
 * {@code insufficient_scope}, naming the same scopes, as from the filter.
 *
 * <pre>{@code
 * ScopeRequirement requirement = ScopeRequirement.of(handler.getAnnotation(RequiredScope.class));
 * try {
 *   requirement.check(principal);
 * } catch (TokenRejectedException e) {
 *   responses.reject(response, e);   // 403, WWW-Authenticate: Bearer ..., error="insufficient_scope", scope="..."
 *   return;
 * }
 * }</pre>
 *
 * <p>An empty set of scopes is satisfied by every caller, in either mode.
 *
 * @param scopes the scopes, copied
 * @param mode whether all of them are needed or any one
 * @since 0.1.0
 */
public record ScopeRequirement(Set<String> scopes, RequiredScope.Mode mode) {
  /**
   * Validates and copies the components.
   *
   * @throws NullPointerException if {@code scopes}, a scope or {@code mode} is null
   */
  public ScopeRequirement {
    scopes = Set.copyOf(requireNonNull(scopes, "scopes"));
    requireNonNull(mode, "mode");
  }

  /**
   * What an annotation demands: its {@link RequiredScope#value() scopes} and {@link RequiredScope#mode() mode}. Works
   * on the annotation a framework found for a meta-annotation as well (Spring's merged annotations).
   *
   * @param annotation the annotation found on a class or method
   */
  public static ScopeRequirement of(RequiredScope annotation) {
    requireNonNull(annotation, "annotation");
    return new ScopeRequirement(new LinkedHashSet<>(Arrays.asList(annotation.value())), annotation.mode());
  }

  /** Every one of {@code scopes} is needed, as a {@link ScopeRule} demands. */
  public static ScopeRequirement all(Set<String> scopes) {
    return new ScopeRequirement(scopes, RequiredScope.Mode.ALL);
  }

  /** Whether the caller's token carries the scopes this requirement demands. */
  public boolean isSatisfiedBy(ClientPrincipal principal) {
    requireNonNull(principal, "principal");
    if (mode == RequiredScope.Mode.ANY) {
      return scopes.isEmpty() || scopes.stream().anyMatch(principal::hasScope);
    }
    return principal.scopes().containsAll(scopes);
  }

  /**
   * Returns normally if the caller's token carries the scopes; else throws the 403 {@link
   * BearerError#INSUFFICIENT_SCOPE} rejection tokengate answers with, naming {@link #scopes()} as the scopes it
   * needed.
   *
   * @throws TokenRejectedException {@code insufficient_scope}, when {@link #isSatisfiedBy} is false
   */
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
