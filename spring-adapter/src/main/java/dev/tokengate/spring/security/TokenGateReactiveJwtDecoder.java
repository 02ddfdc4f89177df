package dev.tokengate.spring.security;

import static java.util.Objects.requireNonNull;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenValidator;
import dev.tokengate.spi.ValidationListener;
import java.util.Optional;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A Spring Security {@link ReactiveJwtDecoder} backed by a {@link TokenValidator}, for WebFlux applications with
 * {@code oauth2ResourceServer(o -> o.jwt(...))}: the same engine, errors and {@link Jwt} as {@link
 * TokenGateJwtDecoder}.
 *
 * <p>A token the validator remembers ({@link TokenValidator#validateCached}) is answered on the calling thread, the
 * event loop, without a thread hop: the common case of machine-to-machine callers costs a map lookup. Anything else
 * (a signature check that may have to fetch or wait for the issuer's keys) runs on a scheduler that may block,
 * {@link Schedulers#boundedElastic()} by default, so that no event-loop thread ever waits on the network.
 *
 * @since 0.1.0
 */
public final class TokenGateReactiveJwtDecoder implements ReactiveJwtDecoder {
  private final TokenGateJwtDecoder blocking;
  private final TokenValidator validator;
  private final Scheduler scheduler;

  /** Creates a decoder that validates cache misses on {@link Schedulers#boundedElastic()}. */
  public TokenGateReactiveJwtDecoder(TokenValidator validator) {
    this(validator, Schedulers.boundedElastic());
  }

  /**
   * Creates a decoder that validates cache misses on {@code scheduler}, which must allow blocking.
   *
   * @param validator validates the tokens; the caller keeps closing it
   * @param scheduler where tokens that are not remembered are validated
   */
  public TokenGateReactiveJwtDecoder(TokenValidator validator, Scheduler scheduler) {
    this(validator, scheduler, new ValidationListener() {});
  }

  /**
   * Creates a decoder that validates cache misses on {@code scheduler}, which must allow blocking, and tells {@code
   * listener} the outcome of each token, as {@link TokenGateJwtDecoder#TokenGateJwtDecoder(TokenValidator,
   * ValidationListener)} does.
   *
   * @param validator validates the tokens; the caller keeps closing it
   * @param scheduler where tokens that are not remembered are validated
   * @param listener hears each outcome, on the thread that decided it (the event loop for a remembered token)
   * @since 0.1.0
   */
  public TokenGateReactiveJwtDecoder(TokenValidator validator, Scheduler scheduler, ValidationListener listener) {
    this.validator = requireNonNull(validator, "validator");
    this.scheduler = requireNonNull(scheduler, "scheduler");
    this.blocking = new TokenGateJwtDecoder(validator, requireNonNull(listener, "listener"));
  }

  @Override
  public Mono<Jwt> decode(String token) {
    if (token == null) {
      return Mono.error(new BadJwtException("The access token is missing"));
    }
    return Mono.defer(() -> {
      Optional<ClientPrincipal> remembered = validator.validateCached(token);
      if (remembered.isPresent()) {
        return Mono.fromCallable(() -> blocking.rememberedJwt(token, remembered.get()));
      }
      return Mono.fromCallable(() -> blocking.decode(token)).subscribeOn(scheduler);
    });
  }
}
