package dev.tokengate.internal.http;

import dev.tokengate.ClientPrincipal;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;

/**
 * The request as downstream code sees it once the token is valid: the caller is the principal, and its scopes are
 * its roles, so that container security constraints ({@code <auth-constraint><role-name>}) can name scopes.
 */
public final class AuthenticatedRequest extends HttpServletRequestWrapper {
  private final ClientPrincipal principal;

  public AuthenticatedRequest(HttpServletRequest request, ClientPrincipal principal) {
    super(request);
    this.principal = principal;
  }

  @Override
  public Principal getUserPrincipal() {
    return principal;
  }

  @Override
  public String getRemoteUser() {
    return principal.clientId();
  }

  @Override
  public String getAuthType() {
    return "Bearer";
  }

  @Override
  public boolean isUserInRole(String role) {
    return principal.hasScope(role);
  }
}
