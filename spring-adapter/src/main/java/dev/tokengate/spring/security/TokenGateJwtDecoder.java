package dev.tokengate.spring.security;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenValidator;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.MappedJwtClaimSetConverter;

/**
 * A Spring Security {@link JwtDecoder} backed by a {@link TokenValidator}, for applications that keep {@code
 * oauth2ResourceServer(o -> o.jwt(...))}: tokengate's checks, validated-token cache and key handling (refresh ahead,
 * outage tolerance, several issuers) behind Spring Security's own resource server, which then builds its usual
 * {@code JwtAuthenticationToken} with {@code SCOPE_} authorities from the {@code scope} claim.
 *
 * <p>A token tokengate refuses becomes a {@link BadJwtException} (Spring Security answers 401 {@code invalid_token});
 * keys that cannot be had become a {@link KeysUnavailableJwtException}, which the starter answers with 503 and {@code
 * Retry-After}, not Spring Security's 500 for an {@code AuthenticationServiceException}, nor a 401 that would send the
 * client off for a new token that fails the same way.
 *
 * @since 0.1.0
 */
public final class TokenGateJwtDecoder implements JwtDecoder {
  private static final Converter<Map<String, Object>, Map<String, Object>> CLAIMS =
      MappedJwtClaimSetConverter.withDefaults(Map.of());

  private final TokenValidator validator;
  /**
   * The {@link Jwt} made for each principal the validator remembers, so that a repeated token costs the validator's
   * lookup and this one, not a header parse and a claim conversion. Weak keys, compared by identity: the validator
   * hands out the same principal for the same remembered token, and an entry goes when the validator forgets it.
   */
  private final Cache<ClientPrincipal, Jwt> jwts;

  /** Creates a decoder that validates with {@code validator}; the caller keeps closing it. */
  public TokenGateJwtDecoder(TokenValidator validator) {
    this.validator = requireNonNull(validator, "validator");
    this.jwts = Caffeine.newBuilder().weakKeys().maximumSize(Math.max(1, validator.config().tokenCacheSize()))
        .executor(Runnable::run).build();
  }

  @Override
  public Jwt decode(String token) throws JwtException {
    if (token == null) {
      throw new BadJwtException("The access token is missing");
    }
    ClientPrincipal principal;
    try {
      principal = validator.validate(token);
    } catch (TokenRejectedException e) {
      throw new BadJwtException(e.description());
    } catch (KeysUnavailableException e) {
      throw new KeysUnavailableJwtException(e);
    }
    return jwtOf(token, principal);
  }

  /** The {@link Jwt} of a token the validator accepted as {@code principal}, made once per remembered principal. */
  Jwt jwtOf(String token, ClientPrincipal principal) {
    Jwt jwt = jwts.getIfPresent(principal);
    // The same principal always comes from the same token; the check costs little and keeps that an invariant here.
    if (jwt == null || !jwt.getTokenValue().equals(token)) {
      jwt = toJwt(token, principal);
      jwts.put(principal, jwt);
    }
    return jwt;
  }

  /** Spring's {@link Jwt} of a token tokengate validated: its header, and its claims converted as Spring does. */
  static Jwt toJwt(String token, ClientPrincipal principal) {
    Map<String, Object> header;
    try {
      // Only the header, already verified with the rest of the token; Nimbus parses it.
      header = JWSHeader.parse(new Base64URL(token.substring(0, token.indexOf('.')))).toJSONObject();
    } catch (ParseException | RuntimeException e) {
      throw new BadJwtException("The access token is malformed");
    }
    Map<String, Object> claims = CLAIMS.convert(principal.claims());
    return Jwt.withTokenValue(token).headers(h -> h.putAll(header)).claims(c -> c.putAll(claims)).build();
  }

  /**
   * The token could not be checked because the issuer's keys cannot be had: not the client's fault. The starter
   * answers it with 503 and {@link #retryAfter()} as {@code Retry-After}.
   */
  public static final class KeysUnavailableJwtException extends JwtException {
    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    KeysUnavailableJwtException(KeysUnavailableException cause) {
      super("The issuer's signing keys are unavailable", cause);
      this.retryAfter = cause.retryAfter();
    }

    /** When the client may usefully try again. */
    public Duration retryAfter() {
      return retryAfter;
    }
  }
}
