package dev.tokengate.spring;

import dev.tokengate.BearerError;
import dev.tokengate.internal.http.ErrorResponses;
import dev.tokengate.internal.http.RequestFirewall;
import dev.tokengate.spi.ValidationListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The filter's request firewall on every path, for when {@code tokengate.filter.url-patterns} maps the filter to
 * fewer paths than {@code /*}. Tomcat maps filters on the normalized path while Spring MVC routes on the raw URI, so
 * {@code /api/files/..;/..;/anything} (servlet path {@code /anything}) would pass a filter mapped to {@code /api/*}
 * without it running at all, and reach the {@code /api/files/**} handler. Refused here with the filter's own 400.
 */
final class RequestFirewallFilter implements jakarta.servlet.Filter {
  private static final Logger log = LoggerFactory.getLogger(RequestFirewallFilter.class);

  private final ErrorResponses responses;
  private final ValidationListener listener;

  RequestFirewallFilter(String realm, ValidationListener listener) {
    this.responses = new ErrorResponses(realm);
    this.listener = listener;
  }

  @Override
  public void doFilter(jakarta.servlet.ServletRequest servletRequest, jakarta.servlet.ServletResponse servletResponse,
      FilterChain chain) throws IOException, ServletException {
    if (servletRequest instanceof HttpServletRequest request && servletResponse instanceof HttpServletResponse response
        && request.getDispatcherType() == DispatcherType.REQUEST) {
      String refusal = RequestFirewall.refusal(request);
      if (refusal != null) {
        log.debug("Refused request: {}", refusal);
        listener.onRejected(BearerError.INVALID_REQUEST, refusal);
        responses.badRequest(response, refusal);
        return;
      }
    }
    chain.doFilter(servletRequest, servletResponse);
  }
}
