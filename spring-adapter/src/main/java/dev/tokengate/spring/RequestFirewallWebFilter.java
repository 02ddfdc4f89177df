package dev.tokengate.spring;

import dev.tokengate.BearerError;
import dev.tokengate.BearerResponses;
import dev.tokengate.RequestFirewallFilter;
import dev.tokengate.spi.ValidationListener;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * tokengate's request firewall in a WebFlux application, ahead of every other web filter, Spring Security's chain
 * included: a request whose raw path is not in one normal form (encoded dots, slashes, backslashes, percents or
 * semicolons, path parameters, {@code //}, dot segments, controls and non-ASCII, an encoded sequence that is not
 * UTF-8) or whose method is {@code TRACE} is answered 400 {@code invalid_request} with the JSON body tokengate's
 * servlet filter sends, before any matcher, rule or handler sees it. Spring Security's {@code
 * ServerWebExchangeFirewall} refuses much of this too, but it is one bean an application may relax or replace; a
 * tokengate user's path rules must not hang on it alone. See {@link RequestFirewall#rawPathRefusal}.
 */
final class RequestFirewallWebFilter implements WebFilter, Ordered {
  /** Ahead of everything: Spring Security's chain sits at -100, other filters may match on the path too. */
  static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

  private static final Logger log = LoggerFactory.getLogger(RequestFirewallWebFilter.class);

  private final ValidationListener listener;

  RequestFirewallWebFilter(ValidationListener listener) {
    this.listener = listener;
  }

  @Override
  public int getOrder() {
    return ORDER;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    ServerHttpRequest request = exchange.getRequest();
    String refusal = RequestFirewallFilter.refusal(request.getMethod().name(), request.getURI().getRawPath(),
        request.getPath().contextPath().value()).orElse(null);
    if (refusal == null) {
      return chain.filter(exchange);
    }
    log.debug("Refused request: {}", refusal);
    try {
      listener.onRejected(BearerError.INVALID_REQUEST, refusal);
    } catch (RuntimeException | LinkageError e) {
      log.warn("ValidationListener failed; the request's outcome is unchanged", e);
    }
    ServerHttpResponse response = exchange.getResponse();
    response.setStatusCode(HttpStatus.BAD_REQUEST);
    response.getHeaders().set("Cache-Control", "no-store");
    response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
    byte[] body = BearerResponses.body(BearerError.INVALID_REQUEST, refusal).getBytes(StandardCharsets.UTF_8);
    response.getHeaders().setContentLength(body.length);
    return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
  }
}
