package dev.tokengate.spring.security;

import static java.util.Objects.requireNonNull;

import dev.tokengate.ClientPrincipal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.FactorGrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * The caller tokengate accepted, as Spring Security sees it: {@link #getPrincipal()} is the {@link ClientPrincipal}
 * (so {@code @AuthenticationPrincipal ClientPrincipal caller} works), {@link #getName()} its client id, one
 * authority per scope, {@code SCOPE_orders:read} by default ({@code tokengate.security.authority-prefix}), and, as
 * Spring Security's resource server gives, the {@code FACTOR_BEARER} factor authority. There are
 * no credentials: the token is never kept.
 *
 * <p>Immutable. Made for one request and never stored in a session.
 *
 * @since 0.1.0
 */
public final class ClientAuthentication extends AbstractAuthenticationToken {
  private static final long serialVersionUID = 1L;

  private final ClientPrincipal principal;

  /**
   * Creates the authentication of {@code principal}, with one authority per scope, each {@code authorityPrefix}
   * followed by the scope.
   *
   * @param principal the caller tokengate validated
   * @param authorityPrefix put in front of each scope, e.g. {@code SCOPE_}; may be empty
   */
  public ClientAuthentication(ClientPrincipal principal, String authorityPrefix) {
    super(authorities(requireNonNull(principal, "principal"), requireNonNull(authorityPrefix, "authorityPrefix")));
    this.principal = principal;
    super.setAuthenticated(true);
  }

  private static Collection<GrantedAuthority> authorities(ClientPrincipal principal, String prefix) {
    List<GrantedAuthority> authorities = new ArrayList<>();
    // Sorted, so that authorities read the same in every log line and every run.
    for (String scope : new TreeSet<>(principal.scopes())) {
      authorities.add(new SimpleGrantedAuthority(prefix + scope));
    }
    // As Spring Security's own resource server does: the caller proved a bearer token (multi-factor rules).
    authorities.add(FactorGrantedAuthority.fromAuthority(FactorGrantedAuthority.BEARER_AUTHORITY));
    return authorities;
  }

  /** The caller: a {@link ClientPrincipal}. */
  @Override
  public ClientPrincipal getPrincipal() {
    return principal;
  }

  /** Always {@code null}: the token is not kept. */
  @Override
  public Object getCredentials() {
    return null;
  }

  /** The issuer that signed the caller's token, as configured; also {@code getPrincipal().issuer()}. */
  public String issuer() {
    return principal.issuer();
  }

  /** Refused: the authentication tokengate made stays authenticated for its request. */
  @Override
  public void setAuthenticated(boolean authenticated) {
    if (!authenticated) {
      throw new IllegalArgumentException("A ClientAuthentication is always authenticated; do not change it");
    }
    super.setAuthenticated(true);
  }
}
