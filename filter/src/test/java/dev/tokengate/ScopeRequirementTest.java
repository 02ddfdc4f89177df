package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ScopeRequirement}, the public reading of what a {@link RequiredScope} demands, and its check. */
class ScopeRequirementTest {
  @RequiredScope({"orders:write", "audit"})
  static final class WritesOrders {}

  @RequiredScope(value = {"reports:read", "admin"}, mode = RequiredScope.Mode.ANY)
  static final class ReadsReports {}

  @RequiredScope({})
  static final class NamesNoScope {}

  private static ClientPrincipal caller(String... scopes) {
    return new ClientPrincipal("orders-service", "orders-service", "https://issuer.example", Set.of("api"),
        Set.of(scopes), Instant.parse("2026-12-01T12:00:00Z"), Map.of());
  }

  @Test
  void of_readsTheScopesAndModeOfTheAnnotation() {
    ScopeRequirement requirement = ScopeRequirement.of(WritesOrders.class.getAnnotation(RequiredScope.class));

    assertThat(requirement.scopes()).containsExactlyInAnyOrder("orders:write", "audit");
    assertThat(requirement.mode()).isEqualTo(RequiredScope.Mode.ALL);
    assertThat(ScopeRequirement.of(ReadsReports.class.getAnnotation(RequiredScope.class)).mode())
        .isEqualTo(RequiredScope.Mode.ANY);
  }

  @Test
  void all_needsEveryScope() {
    ScopeRequirement requirement = ScopeRequirement.of(WritesOrders.class.getAnnotation(RequiredScope.class));

    assertThat(requirement.isSatisfiedBy(caller("orders:write", "audit", "countries:read"))).isTrue();
    assertThat(requirement.isSatisfiedBy(caller("orders:write"))).isFalse();
    assertThat(requirement.isSatisfiedBy(caller())).isFalse();
  }

  @Test
  void any_needsOneScope() {
    ScopeRequirement requirement = ScopeRequirement.of(ReadsReports.class.getAnnotation(RequiredScope.class));

    assertThat(requirement.isSatisfiedBy(caller("admin"))).isTrue();
    assertThat(requirement.isSatisfiedBy(caller("countries:read"))).isFalse();
  }

  @Test
  void check_throwsInsufficientScopeNamingTheScopes() {
    ScopeRequirement requirement = ScopeRequirement.of(WritesOrders.class.getAnnotation(RequiredScope.class));

    assertThatThrownBy(() -> requirement.check(caller("orders:write")))
        .isInstanceOfSatisfying(TokenRejectedException.class, e -> {
          assertThat(e.error()).isEqualTo(BearerError.INSUFFICIENT_SCOPE);
          assertThat(e.description()).isEqualTo("The access token lacks a scope this request requires");
          assertThat(e.requiredScopes()).containsExactlyInAnyOrder("orders:write", "audit");
        });
    assertThatThrownBy(() -> ScopeRequirement.of(ReadsReports.class.getAnnotation(RequiredScope.class))
            .check(caller()))
        .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.description())
            .isEqualTo("The access token lacks every one of the scopes this request accepts"));
  }

  @Test
  void check_returnsForACallerWithTheScopes() throws TokenRejectedException {
    ScopeRequirement.all(Set.of("audit")).check(caller("audit"));
  }

  @Test
  void noScope_isSatisfiedByEveryCaller() {
    assertThat(ScopeRequirement.of(NamesNoScope.class.getAnnotation(RequiredScope.class)).isSatisfiedBy(caller()))
        .isTrue();
    assertThat(new ScopeRequirement(Set.of(), RequiredScope.Mode.ANY).isSatisfiedBy(caller())).isTrue();
  }

  @Test
  void components_areCopiedAndChecked() {
    Set<String> scopes = new java.util.HashSet<>(Set.of("audit"));
    ScopeRequirement requirement = ScopeRequirement.all(scopes);
    scopes.add("admin");

    assertThat(requirement.scopes()).containsExactly("audit");
    assertThatThrownBy(() -> new ScopeRequirement(Set.of("audit"), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("mode");
    assertThatThrownBy(() -> ScopeRequirement.all(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("scopes");
  }
}
