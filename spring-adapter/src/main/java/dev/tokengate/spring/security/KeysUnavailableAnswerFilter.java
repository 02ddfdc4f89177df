package dev.tokengate.spring.security;

import dev.tokengate.BearerResponses;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.AuthenticationException;

/**
 * Just ahead of Spring Security's {@code BearerTokenAuthenticationFilter}: when {@link TokenGateJwtDecoder} could not
 * get the issuer's keys, Spring Security rethrows the failure as an {@code AuthenticationServiceException}, which
 * would end as a 500. Answered here as tokengate's filter answers it: 503 with {@code Retry-After}, no challenge.
 */
final class KeysUnavailableAnswerFilter implements Filter {
  private static final Logger log = LoggerFactory.getLogger(KeysUnavailableAnswerFilter.class);

  private final BearerResponses responses;

  KeysUnavailableAnswerFilter(String realm) {
    this.responses = BearerResponses.forRealm(realm);
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    try {
      chain.doFilter(request, response);
    } catch (AuthenticationException e) {
      TokenGateJwtDecoder.KeysUnavailableJwtException unavailable = keysUnavailable(e);
      if (unavailable == null || !(response instanceof HttpServletResponse http) || http.isCommitted()) {
        throw e;
      }
      log.debug("Token not checked: {}", unavailable.getMessage());
      responses.unavailable(http, unavailable.retryAfter());
    }
  }

  private static TokenGateJwtDecoder.KeysUnavailableJwtException keysUnavailable(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof TokenGateJwtDecoder.KeysUnavailableJwtException unavailable) {
        return unavailable;
      }
    }
    return null;
  }
}
