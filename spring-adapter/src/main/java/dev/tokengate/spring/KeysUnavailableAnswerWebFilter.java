package dev.tokengate.spring;

import dev.tokengate.spring.security.TokenGateJwtDecoder;
import dev.tokengate.spring.security.TokenGateReactiveJwtDecoder;
import java.nio.charset.StandardCharsets;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Ahead of Spring Security's authentication web filter in a WebFlux chain: when {@link TokenGateReactiveJwtDecoder}
 * could not get the issuer's keys, Spring Security passes the failure on as an {@code AuthenticationServiceException},
 * which would end as a 500. Answered here as tokengate's filter answers it: 503 with {@code Retry-After}, no
 * challenge.
 */
final class KeysUnavailableAnswerWebFilter implements WebFilter {
  private static final byte[] BODY = ("{\"error\":\"temporarily_unavailable\",\"error_description\":"
      + "\"The access token could not be checked because the issuer's signing keys are unavailable\"}")
      .getBytes(StandardCharsets.UTF_8);

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    return chain.filter(exchange).onErrorResume(KeysUnavailableAnswerWebFilter::keysUnavailable, e -> {
      ServerHttpResponse response = exchange.getResponse();
      if (response.isCommitted()) {
        return Mono.error(e);
      }
      TokenGateJwtDecoder.KeysUnavailableJwtException unavailable = find(e);
      response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
      response.getHeaders().set("Retry-After", Long.toString(Math.max(1, unavailable.retryAfter().toSeconds())));
      response.getHeaders().set("Cache-Control", "no-store");
      response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
      DataBuffer body = response.bufferFactory().wrap(BODY);
      return response.writeWith(Mono.just(body));
    });
  }

  private static boolean keysUnavailable(Throwable e) {
    return find(e) != null;
  }

  private static TokenGateJwtDecoder.KeysUnavailableJwtException find(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof TokenGateJwtDecoder.KeysUnavailableJwtException unavailable) {
        return unavailable;
      }
    }
    return null;
  }
}
