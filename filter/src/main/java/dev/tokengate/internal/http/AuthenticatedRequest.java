package dev.tokengate.internal.http;

import dev.tokengate.ClientPrincipal;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;

/**
 * The request as downstream code sees it once the token is valid: the caller is the principal, and its scopes are
 * its roles, so that application code can ask {@code isUserInRole(scope)}. Container security constraints ({@code
 * <auth-constraint>}) are enforced before any filter and never see this request.
 */
public final class AuthenticatedRequest extends HttpServletRequestWrapper {
  private final ClientPrincipal principal;
  private final ServletResponse response;

  public AuthenticatedRequest(HttpServletRequest request, ServletResponse response, ClientPrincipal principal) {
    super(request);
    this.response = response;
    this.principal = principal;
  }

  /**
   * Starts asynchronous processing with this request, so that {@code AsyncContext.getRequest()}, read on another
   * thread before any dispatch, still shows the caller; {@code startAsync()} on the container's request would hand
   * out the request as it was before the filter.
   */
  @Override
  public AsyncContext startAsync() {
    return super.startAsync(this, response);
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
