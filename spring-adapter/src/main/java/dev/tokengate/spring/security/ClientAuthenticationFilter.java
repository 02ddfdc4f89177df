package dev.tokengate.spring.security;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenGateFilter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolderStrategy;

/**
 * Inside a Spring Security filter chain, right after {@code SecurityContextHolderFilter}: puts the caller that {@link
 * TokenGateFilter} accepted for this request into the {@link SecurityContext}, as a {@link ClientAuthentication}, for
 * the rest of the chain and the application, and restores the context it found afterwards. It validates nothing (the
 * token was validated once, by tokengate's filter, which runs before Spring Security's chain) and saves nothing: the
 * authentication lives as long as the request, never in a session.
 *
 * <p>Runs on every dispatch of the request (tokengate's filter shows the accepted caller to FORWARD, INCLUDE, ASYNC
 * and ERROR dispatches too), so an error page or a forwarded target sees the same authentication.
 */
final class ClientAuthenticationFilter implements Filter {
  private final SecurityContextHolderStrategy strategy;
  private final String authorityPrefix;

  ClientAuthenticationFilter(SecurityContextHolderStrategy strategy, String authorityPrefix) {
    this.strategy = strategy;
    this.authorityPrefix = authorityPrefix;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    Optional<ClientPrincipal> caller = TokenGateFilter.principal(request);
    if (caller.isEmpty()) {
      chain.doFilter(request, response);
      return;
    }
    Supplier<SecurityContext> previous = strategy.getDeferredContext();
    SecurityContext context = strategy.createEmptyContext();
    context.setAuthentication(new ClientAuthentication(caller.get(), authorityPrefix));
    strategy.setContext(context);
    try {
      chain.doFilter(request, response);
    } finally {
      strategy.setDeferredContext(previous);
    }
  }
}
