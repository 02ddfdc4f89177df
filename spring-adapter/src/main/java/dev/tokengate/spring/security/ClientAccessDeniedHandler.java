package dev.tokengate.spring.security;

import dev.tokengate.BearerError;
import dev.tokengate.BearerResponses;
import dev.tokengate.TokenRejectedException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authorization.AuthorityAuthorizationDecision;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;

/**
 * Answers Spring Security's refusal of a caller tokengate accepted as tokengate answers a missing scope: 403 with
 * {@code WWW-Authenticate: Bearer realm="…", error="insufficient_scope", …} (RFC 6750 §3.1) and tokengate's JSON body.
 * When the refusal came from an authority check ({@code hasAuthority('SCOPE_orders:write')}, {@code @Secured}), the
 * scopes behind the prefixed authorities it wanted are named in {@code scope="…"}; when it came from an expression
 * ({@code @PreAuthorize}) the scope is not known and is left out. Other refusals (a CSRF failure) get Spring
 * Security's plain 403.
 */
final class ClientAccessDeniedHandler implements AccessDeniedHandler {
  private final BearerResponses responses;
  private final String authorityPrefix;
  private final AccessDeniedHandler otherRefusals = new AccessDeniedHandlerImpl();

  ClientAccessDeniedHandler(BearerResponses responses, String authorityPrefix) {
    this.responses = responses;
    this.authorityPrefix = authorityPrefix;
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
      throws IOException, ServletException {
    if (response.isCommitted()) {
      return;
    }
    if (!(denied instanceof AuthorizationDeniedException)) {
      // Not an authorization decision (a CSRF refusal, say): a missing scope it is not.
      otherRefusals.handle(request, response, denied);
      return;
    }
    Set<String> scopes = requiredScopes(denied);
    responses.reject(response, new TokenRejectedException(BearerError.INSUFFICIENT_SCOPE,
        "The access token lacks a scope this request requires", scopes));
  }

  private Set<String> requiredScopes(AccessDeniedException denied) {
    Set<String> scopes = new TreeSet<>();
    if (denied instanceof AuthorizationDeniedException authorization
        && authorization.getAuthorizationResult() instanceof AuthorityAuthorizationDecision decision) {
      for (GrantedAuthority authority : decision.getAuthorities()) {
        String name = authority.getAuthority();
        if (name == null || !name.startsWith(authorityPrefix) || name.length() == authorityPrefix.length()) {
          // An authority that is not a scope (ROLE_ADMIN): which scope would do is not known.
          return Set.of();
        }
        scopes.add(name.substring(authorityPrefix.length()));
      }
    }
    return scopes;
  }
}
