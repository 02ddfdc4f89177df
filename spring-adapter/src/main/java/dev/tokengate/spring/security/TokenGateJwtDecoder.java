package dev.tokengate.spring.security;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenValidator;
import dev.tokengate.spi.ValidationListener;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * <p>A {@link ValidationListener} given to the decoder hears each token it decodes as {@link
 * dev.tokengate.TokenGateFilter}'s listener does: accepted, rejected (with the error and description) or keys
 * unavailable (with the reason); the starter passes its listener beans, Micrometer's {@code tokengate.validations}
 * counter among them. A request without a token never reaches a decoder, so it is not heard; nor is Spring Security's
 * authorization refusing a valid token.
 *
 * @since 0.1.0
 */
public final class TokenGateJwtDecoder implements JwtDecoder {
  private static final Converter<Map<String, Object>, Map<String, Object>> CLAIMS =
      MappedJwtClaimSetConverter.withDefaults(Map.of());

  private static final Logger log = LoggerFactory.getLogger(TokenGateJwtDecoder.class);

  private final TokenValidator validator;
  private final ValidationListener listener;
  /**
   * The {@link Jwt} made for each principal the validator remembers, so that a repeated token costs the validator's
   * lookup and this one, not a header parse and a claim conversion. Weak keys, compared by identity: the validator
   * hands out the same principal for the same remembered token, and an entry goes when the validator forgets it.
   */
  private final Cache<ClientPrincipal, Jwt> jwts;
  /** Parsed headers by their exact base64url text; see {@link #header}. */
  private final Cache<String, Map<String, Object>> headers =
      Caffeine.newBuilder().maximumSize(16).executor(Runnable::run).build();

  /** Creates a decoder that validates with {@code validator}; the caller keeps closing it. */
  public TokenGateJwtDecoder(TokenValidator validator) {
    this(validator, new ValidationListener() {});
  }

  /**
   * Creates a decoder that validates with {@code validator} and tells {@code listener} the outcome of each token.
   *
   * @param validator validates the tokens; the caller keeps closing it
   * @param listener hears each outcome; whatever it throws is logged and dropped, never changing an outcome
   * @since 0.1.0
   */
  public TokenGateJwtDecoder(TokenValidator validator, ValidationListener listener) {
    this.validator = requireNonNull(validator, "validator");
    this.listener = requireNonNull(listener, "listener");
    this.jwts = Caffeine.newBuilder().weakKeys().maximumSize(Math.max(1, validator.config().tokenCacheSize()))
        .executor(Runnable::run).build();
  }

  @Override
  public Jwt decode(String token) throws JwtException {
    if (token == null) {
      throw new BadJwtException("The access token is missing");
    }
    if (!hasThreeParts(token)) {
      // Spring Security's Jwt needs a JWS header, which an opaque token has not: refused before the validator would
      // send it to an introspection endpoint for an answer that could never be used here.
      String description = "The access token is not a JWT; this API accepts opaque tokens in tokengate's servlet"
          + " filter only";
      notify(l -> l.onRejected(BearerError.INVALID_TOKEN, description));
      throw new BadJwtException(description);
    }
    ClientPrincipal principal;
    try {
      principal = validator.validate(token);
    } catch (TokenRejectedException e) {
      notify(l -> l.onRejected(e.error(), e.description()));
      throw new BadJwtException(e.description());
    } catch (KeysUnavailableException e) {
      notify(l -> l.onKeysUnavailable(e.reason()));
      throw new KeysUnavailableJwtException(e);
    }
    refuseCertificateBound(principal);
    Jwt jwt = jwtOf(token, principal);
    notify(l -> l.onAccepted(principal));
    return jwt;
  }

  /** A token the validator remembered, answered without {@link #decode}: heard as accepted all the same. */
  Jwt rememberedJwt(String token, ClientPrincipal principal) {
    refuseCertificateBound(principal);
    Jwt jwt = jwtOf(token, principal);
    notify(l -> l.onAccepted(principal));
    return jwt;
  }

  /** Whether {@code token} has the two dots of a compact JWS (RFC 7515 §7.1); the validator checks the rest. */
  private static boolean hasThreeParts(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    return first > 0 && second > first && token.indexOf('.', second + 1) < 0;
  }

  /**
   * A decoder is handed the token alone, never the request's TLS client certificate, so a certificate-bound token
   * (RFC 8705 §3, {@code cnf.x5t#S256}) cannot be held to it here: refused, never accepted as a plain bearer token.
   * tokengate's servlet filter checks such tokens.
   */
  private void refuseCertificateBound(ClientPrincipal principal) {
    if (principal.claims().get("cnf") instanceof Map<?, ?> cnf && cnf.containsKey("x5t#S256")) {
      String description = "The access token is certificate-bound, which this API cannot check";
      notify(l -> l.onRejected(BearerError.INVALID_TOKEN, description));
      throw new BadJwtException(description);
    }
  }

  /** A listener is an observer: what it throws is logged and dropped, the outcome stays what it was. */
  private void notify(Consumer<ValidationListener> call) {
    try {
      call.accept(listener);
    } catch (RuntimeException | LinkageError e) {
      log.warn("ValidationListener failed; the request's outcome is unchanged", e);
    }
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
  Jwt toJwt(String token, ClientPrincipal principal) {
    Map<String, Object> header = header(token.substring(0, token.indexOf('.')));
    Map<String, Object> claims = CLAIMS.convert(principal.claims());
    return Jwt.withTokenValue(token).headers(h -> h.putAll(header)).claims(c -> c.putAll(claims)).build();
  }

  /**
   * The header of a validated token, parsed by Nimbus once per distinct header text: an issuer's tokens share a few
   * headers (one per signing key), and a token the validator's hot tier does not hold gets a new {@link Jwt}, of
   * whose making the header parse was about a sixth (allocation profile of 10,000 tokens in rotation). Only headers
   * of tokens the validator accepted get here, so forged tokens cannot fill the cache, which keeps the 16 most used.
   */
  private Map<String, Object> header(String encoded) {
    return headers.get(encoded, TokenGateJwtDecoder::parseHeader);
  }

  /**
   * A header parsed by Nimbus, immutable all the way down: its map is shared by the {@link Jwt}s of every token with
   * this header, so a nested member ({@code jwk}, {@code x5c}, a custom object) that one caller changed would change
   * for all. JSON {@code null} members are kept, as Spring's {@code Jwt} has always been given them.
   */
  private static Map<String, Object> parseHeader(String encoded) {
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> header =
          (Map<String, Object>) immutable(JWSHeader.parse(new Base64URL(encoded)).toJSONObject());
      return header;
    } catch (ParseException | RuntimeException e) {
      throw new BadJwtException("The access token is malformed");
    }
  }

  /** {@code value} with every map and list in it copied unmodifiable (not {@code Map.copyOf}: nulls are kept). */
  private static Object immutable(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(k, immutable(v)));
      return java.util.Collections.unmodifiableMap(copy);
    }
    if (value instanceof java.util.Collection<?> list) {
      java.util.List<Object> copy = new java.util.ArrayList<>(list.size());
      list.forEach(v -> copy.add(immutable(v)));
      return java.util.Collections.unmodifiableList(copy);
    }
    return value;
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
