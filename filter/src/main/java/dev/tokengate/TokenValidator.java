package dev.tokengate;

import static java.util.Objects.requireNonNull;

import dev.tokengate.internal.jwks.HttpDocumentFetcher;
import dev.tokengate.internal.jwks.IssuerKeys;
import dev.tokengate.internal.token.AccessTokenVerifier;
import dev.tokengate.internal.token.ValidatedTokenCache;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Validates access tokens without a servlet container: a token string in, a {@link ClientPrincipal} out.
 *
 * <pre>{@code
 * TokenValidator validator = TokenValidator.create(TokenGateConfig.builder()
 *     .issuer("https://login.example.com/realms/api")
 *     .audiences("orders-api")
 *     .build());
 * try {
 *   ClientPrincipal caller = validator.validate(token);
 * } catch (TokenRejectedException e) {      // the caller's fault: e.error() is the RFC 6750 code
 * } catch (KeysUnavailableException e) {    // the issuer's keys cannot be had: try again later
 * }
 * }</pre>
 *
 * <p>Checks, in order: the token's syntax and length; the {@code alg} header against the allow-list; {@code typ};
 * that no {@code crit} header is present; {@code iss}; the signature, with the issuer's key found by {@code kid}
 * (never from {@code jku}, {@code x5u}, {@code jwk} or {@code x5c}); {@code exp} (required), {@code nbf} and {@code
 * iat} with the clock skew; {@code aud}; then it reads the client id and scopes.
 *
 * <p>A token that passed is remembered until its {@code exp} (see {@link TokenGateConfig.Builder#tokenCacheSize}),
 * so the same token sent again costs a lookup, not a signature check; its times are still checked on every use, and
 * it is forgotten when the issuer removes the key that signed it. Refused tokens are never remembered.
 *
 * <p>Thread-safe; create one per application and share it. The issuer's keys are fetched on first use and cached.
 */
public final class TokenValidator implements AutoCloseable {
  /** How long fetched keys are used before they are fetched again. */
  static final Duration KEYS_TIME_TO_LIVE = Duration.ofMinutes(5);
  /** At most one refresh for an unknown {@code kid} per this interval. */
  static final Duration MIN_FORCED_REFRESH_INTERVAL = Duration.ofSeconds(30);
  /** The largest JWKS or discovery document accepted. */
  static final int MAX_DOCUMENT_BYTES = 512 * 1024;

  private final TokenGateConfig config;
  private final AccessTokenVerifier verifier;
  private final ValidatedTokenCache tokenCache;
  private final ValidatedTokenCache.Verification fullValidation;

  private TokenValidator(TokenGateConfig config) {
    this.config = config;
    Set<String> asymmetric = new HashSet<>(config.algorithms());
    asymmetric.retainAll(TokenGateConfig.ASYMMETRIC_ALGORITHMS);
    IssuerKeys keys = null;
    if (!asymmetric.isEmpty()) {
      HttpDocumentFetcher fetcher = new HttpDocumentFetcher(
          config.jwksConnectTimeout(), config.jwksReadTimeout(), MAX_DOCUMENT_BYTES);
      keys = new IssuerKeys(config.issuer(), config.jwksUri(), fetcher,
          AccessTokenVerifier.acceptedAlgorithms(config), config.clock(), KEYS_TIME_TO_LIVE,
          MIN_FORCED_REFRESH_INTERVAL, config.jwksConnectTimeout().plus(config.jwksReadTimeout()).multipliedBy(2));
    }
    this.verifier = new AccessTokenVerifier(config, keys);
    this.fullValidation = verifier::verifyToken;
    this.tokenCache = new ValidatedTokenCache(config.tokenCacheSize(), config.clock(), config.clockSkew());
    if (keys != null) {
      IssuerKeys issuerKeys = keys;
      issuerKeys.onKeysRemoved(kids -> tokenCache.keysRemoved(issuerKeys.issuer(), kids));
    }
  }

  /** Creates a validator; no network call happens until the first token needs a key. */
  public static TokenValidator create(TokenGateConfig config) {
    return new TokenValidator(requireNonNull(config, "config"));
  }

  /**
   * Validates a token.
   *
   * @param token the compact JWS, without the {@code Bearer } prefix
   * @return the caller the token describes
   * @throws TokenRejectedException when the token is not acceptable: {@link TokenRejectedException#error()} is
   *     {@link BearerError#INVALID_TOKEN} and the description says why, safe to return to the caller
   * @throws KeysUnavailableException when the issuer's keys cannot be had, so the token could not be checked
   */
  public ClientPrincipal validate(String token) throws TokenRejectedException, KeysUnavailableException {
    requireNonNull(token, "token");
    return tokenCache.validate(token, fullValidation);
  }

  /** The configuration this validator enforces. */
  public TokenGateConfig config() {
    return config;
  }

  /** The validated-token cache, for tests that prove what it remembers. */
  ValidatedTokenCache tokenCache() {
    return tokenCache;
  }

  /** Releases background resources; the validator must not be used afterwards. */
  @Override
  public void close() {}

}
