package dev.tokengate.spring;

import dev.tokengate.DpopMode;
import dev.tokengate.Introspection;
import dev.tokengate.TokenTypePolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code tokengate.*} properties: the settings of {@link dev.tokengate.TokenGateConfig} under the same names,
 * typed, plus where the filter is mapped ({@code tokengate.filter.*}). Checked at start-up; a wrong or missing one
 * fails start-up naming the property.
 */
@ConfigurationProperties("tokengate")
public class TokenGateProperties {
  /** The filter's default order: just ahead of Spring Security's chain, which Spring Boot registers at -100. */
  public static final int DEFAULT_FILTER_ORDER = -110;

  /**
   * The issuer URL, e.g. https://login.example.com/realms/api; a token's 'iss' must equal it exactly. Setting it
   * switches tokengate on.
   */
  private String issuer;

  /**
   * The JWKS URL. By default read from the issuer's /.well-known/openid-configuration, then
   * /.well-known/oauth-authorization-server.
   */
  private URI jwksUri;

  /** The audiences accepted; a token's 'aud' must contain one of them. Required unless allow-any-audience is true. */
  private List<String> audiences = new ArrayList<>();

  /** Whether to skip the audience check; only for an issuer that issues tokens for this API alone. */
  private boolean allowAnyAudience;

  /**
   * The signing algorithms accepted. Default RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA,
   * Ed25519; HS256, HS384, HS512 only together with shared-secret.
   */
  private List<String> algorithms;

  /** The HMAC secret (at least 32 bytes) for HS256/384/512 tokens. */
  private String sharedSecret;

  /** Tolerance on 'exp', 'nbf' and 'iat'; at most 5m. */
  private Duration clockSkew = Duration.ofSeconds(60);

  /**
   * Which 'typ' headers are accepted: lenient accepts at+jwt, application/at+jwt, JWT or none; strict requires
   * at+jwt (RFC 9068).
   */
  private TokenTypePolicy typPolicy = TokenTypePolicy.LENIENT;

  /** The claims the client id is read from; the first present wins. */
  private List<String> clientIdClaims = new ArrayList<>(List.of("client_id", "azp", "cid", "appid", "sub"));

  /**
   * The claims merged into the scope set, each a space-separated string or an array of strings; add 'roles' for
   * Entra ID application permissions.
   */
  private List<String> scopeClaims = new ArrayList<>(List.of("scope", "scp"));

  /** Servlet url-patterns that need no token, e.g. /actuator/health or /public/*. */
  private List<String> publicPaths = new ArrayList<>();

  /**
   * Path rules requiring scopes, each '[METHOD] pattern=scope1 scope2', e.g. 'GET /api/countries/*=countries:read'.
   */
  private List<String> scopeRules = new ArrayList<>();

  /** The realm in WWW-Authenticate. */
  private String realm = "api";

  /** Tokens longer than this many characters are refused before any parsing. */
  private int maxTokenLength = 8192;

  /** Connect timeout of discovery and JWKS requests. */
  private Duration jwksConnectTimeout = Duration.ofSeconds(2);

  /** Read timeout of discovery and JWKS requests. */
  private Duration jwksReadTimeout = Duration.ofSeconds(5);

  /** Larger discovery or JWKS documents are refused; 1024 to 16777216 bytes. */
  private int jwksMaxBytes = 524288;

  /**
   * How many validated tokens are remembered, each until its 'exp', so that a repeated token skips the signature
   * check; 0 switches the cache off.
   */
  private int tokenCacheSize = 10_000;

  /** How long fetched keys are used when the JWKS response has no Cache-Control max-age. */
  private Duration jwksCacheTtl = Duration.ofMinutes(5);

  /** A shorter JWKS max-age is raised to this. */
  private Duration jwksMinCacheTtl = Duration.ofMinutes(1);

  /** A longer JWKS max-age is lowered to this. */
  private Duration jwksMaxCacheTtl = Duration.ofHours(1);

  /** At most one JWKS refresh for an unknown 'kid' per this interval, per issuer; 1s to 1h. */
  private Duration jwksRefreshRateLimit = Duration.ofSeconds(30);

  /** How long past their expiry the last good keys keep serving while the key server fails; 0 to 30 days. */
  private Duration jwksMaxStaleness = Duration.ofHours(24);

  /**
   * More trusted issuers, each with its own audiences (default: audiences) and JWKS URL (default: discovered). A
   * token's 'iss' selects among them; setting any switches tokengate on.
   */
  private List<Issuer> issuers = new ArrayList<>();

  /** Whether to also accept ?access_token= (RFC 6750 2.3); URLs end up in logs, avoid. */
  private boolean allowQueryToken;

  /** Whether to also accept access_token in a form body (RFC 6750 2.2). */
  private boolean allowFormToken;

  /** Where the filter is mapped. */
  private final Filter filter = new Filter();

  /** The Actuator management server on its own port (management.server.port). */
  private final Management management = new Management();

  /** Spring Security integration. */
  private final Security security = new Security();

  /**
   * How many JWKS refreshes for unknown 'kid's may run back to back before jwks-refresh-rate-limit applies, 1 to 10;
   * a flood of forged kids costs at most this many fetches plus one per interval.
   */
  private int jwksRefreshBurst = 2;

  /**
   * A directory where the last good JWKS of each issuer is saved after every fetch, and read at start-up only when the
   * key server cannot be reached (used within jwks-max-staleness of its fetch); unset: off.
   */
  private Path jwksSnapshotDirectory;

  /**
   * DPoP (RFC 9449) for the issuer set with tokengate.issuer: off (default), allowed (Bearer and DPoP; DPoP-bound
   * tokens only with a proof) or required (DPoP only). Each tokengate.issuers[N] entry has its own dpop-mode.
   */
  private DpopMode dpopMode = DpopMode.OFF;

  /**
   * The algorithms a DPoP proof may be signed with; default ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512.
   * EdDSA and Ed25519 (an Ed25519 proof key) are supported when listed.
   */
  private List<String> dpopAlgorithms;

  /** How old a DPoP proof's iat may be, 1s to 10m; default 60s. Each proof's jti is remembered that long. */
  private Duration dpopProofMaxAge;

  /**
   * The URL clients call this application by (e.g. https://api.example.com), when a reverse proxy stands in front and
   * the container does not see the external scheme and host (see server.forward-headers-strategy): a DPoP proof's htu
   * must then equal this URL plus the request's path. Unset: the request's own URL.
   */
  private URI dpopExternalBaseUrl;

  /**
   * How many used DPoP proofs the in-process replay store remembers; default 100000. Only with the in-process store:
   * set with dpop-replay-store redis or a DpopReplayStore bean, start-up fails.
   */
  private Integer dpopReplayCacheSize;

  /**
   * Where used DPoP proofs are remembered: in-process (default), or redis (needs dev.tokengate:tokengate-redis on the
   * class path and tokengate.redis.uri) so that every instance of the application refuses a proof another accepted.
   * Or declare a DpopReplayStore bean instead.
   */
  private String dpopReplayStore;

  /** The Redis DPoP replay store, with tokengate.dpop-replay-store=redis: {@code tokengate.redis.*}. */
  private final Redis redis = new Redis();

  /**
   * Whether DPoP proofs for tokens of tokengate.issuer must carry a nonce this server issued (RFC 9449 section 9);
   * needs dpop-nonce-secret. Each tokengate.issuers[N] entry has its own dpop-nonce.
   */
  private boolean dpopNonce;

  /**
   * The HMAC key DPoP nonces are made with, at least 32 bytes, the same on every instance so that any instance accepts
   * another's nonce. Keep it secret.
   */
  private String dpopNonceSecret;

  /** How often the DPoP nonce changes, 10s to 1h; default 5m. The current and the previous one are accepted. */
  private Duration dpopNonceRotation;

  /**
   * Whether tokens of tokengate.issuer must be certificate-bound (RFC 8705, a cnf.x5t#S256 claim); default false.
   * Certificate-bound tokens are held to the request's TLS client certificate whatever this says. Each
   * tokengate.issuers[N] entry has its own mtls-required.
   */
  private boolean mtlsRequired;

  /**
   * The request header a TLS-terminating reverse proxy puts the client certificate in (URL-encoded PEM as nginx's
   * $ssl_client_escaped_cert, or RFC 9440's :base64:), for certificate-bound tokens. Unset (default): the certificate
   * of the TLS connection (server.ssl.client-auth=want). Only set it when the proxy always sets or removes the header.
   */
  private String mtlsClientCertificateHeader;

  /**
   * This API's resource identifier (RFC 9728), the URL clients call it by, e.g. https://api.example.com: tokengate's
   * filter then serves the protected-resource metadata at /.well-known/oauth-protected-resource (followed by the
   * identifier's path) and names it in every WWW-Authenticate challenge (resource_metadata). Unset: off.
   */
  private URI resourceIdentifier;

  /**
   * The introspection endpoint (RFC 7662) of tokengate.issuer; by default the introspection_endpoint of the
   * issuer's metadata. Used only with introspection-client-id.
   */
  private URI introspectionEndpoint;

  /**
   * The client id this API authenticates to tokengate.issuer's introspection endpoint with; setting it (with
   * introspection-client-secret) switches on introspection of opaque tokens (anything but a compact JWS).
   */
  private String introspectionClientId;

  /**
   * The secret of introspection-client-id. Keep it out of source control.
   */
  private String introspectionClientSecret;

  /**
   * How the client id and secret are sent to the introspection endpoint: client_secret_basic (default) or
   * client_secret_post.
   */
  private Introspection.ClientAuthentication introspectionClientAuthentication;

  /**
   * Whether only signed introspection answers (RFC 9701, application/token-introspection+jwt) are accepted from
   * tokengate.issuer, verified with its keys; default false (a signed answer is verified all the same).
   */
  private boolean introspectionRequireSigned;

  public boolean isIntrospectionRequireSigned() {
    return introspectionRequireSigned;
  }

  public void setIntrospectionRequireSigned(boolean introspectionRequireSigned) {
    this.introspectionRequireSigned = introspectionRequireSigned;
  }

  /**
   * The issuer whose introspection endpoint opaque tokens are sent to, required when several issuers have
   * introspection; by default the only one that has it.
   */
  private String introspectionDefaultIssuer;

  /**
   * Whether JWTs that passed local validation are also introspected when their issuer has introspection (to see
   * revocation within introspection-cache-max-ttl); default false.
   */
  private boolean introspectJwts;

  /**
   * Connect timeout of introspection calls, 1ms to 1m; default 2s.
   */
  private Duration introspectionConnectTimeout;

  /**
   * With the connect timeout, the total deadline of one introspection call, 1ms to 1m; default 3s. A request
   * waits at most both plus 0.25s, then is answered 503.
   */
  private Duration introspectionReadTimeout;

  /**
   * The largest introspection response accepted, 1024 to 1048576 bytes; default 65536.
   */
  private Integer introspectionMaxBytes;

  /**
   * How long an active introspection answer is remembered at most, 0 to 1h; default 60s; never past the
   * token's exp. A token revoked at the authorization server keeps being accepted for up to this long.
   */
  private Duration introspectionCacheMaxTtl;

  /**
   * How long an inactive introspection answer is remembered, 0 to 5m; default 10s.
   */
  private Duration introspectionNegativeCacheTtl;

  /**
   * How many introspection answers are remembered (keyed by the token's SHA-256); default 10000; 0 off.
   */
  private Integer introspectionCacheSize;

  /**
   * The most introspection calls under way at once, 1 to 1000; default 16. Beyond it a token not in the cache
   * is answered 503 with Retry-After: 1, so a flood of made-up opaque tokens costs the endpoint at most this many
   * concurrent calls.
   */
  private Integer introspectionMaxConcurrency;

  public String getIssuer() {
    return issuer;
  }

  public void setIssuer(String issuer) {
    this.issuer = issuer;
  }

  public URI getJwksUri() {
    return jwksUri;
  }

  public void setJwksUri(URI jwksUri) {
    this.jwksUri = jwksUri;
  }

  public List<String> getAudiences() {
    return audiences;
  }

  public void setAudiences(List<String> audiences) {
    this.audiences = audiences;
  }

  public boolean isAllowAnyAudience() {
    return allowAnyAudience;
  }

  public void setAllowAnyAudience(boolean allowAnyAudience) {
    this.allowAnyAudience = allowAnyAudience;
  }

  public List<String> getAlgorithms() {
    return algorithms;
  }

  public void setAlgorithms(List<String> algorithms) {
    this.algorithms = algorithms;
  }

  public String getSharedSecret() {
    return sharedSecret;
  }

  public void setSharedSecret(String sharedSecret) {
    this.sharedSecret = sharedSecret;
  }

  public Duration getClockSkew() {
    return clockSkew;
  }

  public void setClockSkew(Duration clockSkew) {
    this.clockSkew = clockSkew;
  }

  public TokenTypePolicy getTypPolicy() {
    return typPolicy;
  }

  public void setTypPolicy(TokenTypePolicy typPolicy) {
    this.typPolicy = typPolicy;
  }

  public List<String> getClientIdClaims() {
    return clientIdClaims;
  }

  public void setClientIdClaims(List<String> clientIdClaims) {
    this.clientIdClaims = clientIdClaims;
  }

  public List<String> getScopeClaims() {
    return scopeClaims;
  }

  public void setScopeClaims(List<String> scopeClaims) {
    this.scopeClaims = scopeClaims;
  }

  public List<String> getPublicPaths() {
    return publicPaths;
  }

  public void setPublicPaths(List<String> publicPaths) {
    this.publicPaths = publicPaths;
  }

  public List<String> getScopeRules() {
    return scopeRules;
  }

  public void setScopeRules(List<String> scopeRules) {
    this.scopeRules = scopeRules;
  }

  public String getRealm() {
    return realm;
  }

  public void setRealm(String realm) {
    this.realm = realm;
  }

  public int getMaxTokenLength() {
    return maxTokenLength;
  }

  public void setMaxTokenLength(int maxTokenLength) {
    this.maxTokenLength = maxTokenLength;
  }

  public Duration getJwksConnectTimeout() {
    return jwksConnectTimeout;
  }

  public void setJwksConnectTimeout(Duration jwksConnectTimeout) {
    this.jwksConnectTimeout = jwksConnectTimeout;
  }

  public Duration getJwksReadTimeout() {
    return jwksReadTimeout;
  }

  public void setJwksReadTimeout(Duration jwksReadTimeout) {
    this.jwksReadTimeout = jwksReadTimeout;
  }

  public int getJwksMaxBytes() {
    return jwksMaxBytes;
  }

  public void setJwksMaxBytes(int jwksMaxBytes) {
    this.jwksMaxBytes = jwksMaxBytes;
  }

  public int getTokenCacheSize() {
    return tokenCacheSize;
  }

  public void setTokenCacheSize(int tokenCacheSize) {
    this.tokenCacheSize = tokenCacheSize;
  }

  public Duration getJwksCacheTtl() {
    return jwksCacheTtl;
  }

  public void setJwksCacheTtl(Duration jwksCacheTtl) {
    this.jwksCacheTtl = jwksCacheTtl;
  }

  public Duration getJwksMinCacheTtl() {
    return jwksMinCacheTtl;
  }

  public void setJwksMinCacheTtl(Duration jwksMinCacheTtl) {
    this.jwksMinCacheTtl = jwksMinCacheTtl;
  }

  public Duration getJwksMaxCacheTtl() {
    return jwksMaxCacheTtl;
  }

  public void setJwksMaxCacheTtl(Duration jwksMaxCacheTtl) {
    this.jwksMaxCacheTtl = jwksMaxCacheTtl;
  }

  public Duration getJwksRefreshRateLimit() {
    return jwksRefreshRateLimit;
  }

  public void setJwksRefreshRateLimit(Duration jwksRefreshRateLimit) {
    this.jwksRefreshRateLimit = jwksRefreshRateLimit;
  }

  public Duration getJwksMaxStaleness() {
    return jwksMaxStaleness;
  }

  public void setJwksMaxStaleness(Duration jwksMaxStaleness) {
    this.jwksMaxStaleness = jwksMaxStaleness;
  }

  public List<Issuer> getIssuers() {
    return issuers;
  }

  public void setIssuers(List<Issuer> issuers) {
    this.issuers = issuers;
  }

  public boolean isAllowQueryToken() {
    return allowQueryToken;
  }

  public void setAllowQueryToken(boolean allowQueryToken) {
    this.allowQueryToken = allowQueryToken;
  }

  public boolean isAllowFormToken() {
    return allowFormToken;
  }

  public void setAllowFormToken(boolean allowFormToken) {
    this.allowFormToken = allowFormToken;
  }

  public int getJwksRefreshBurst() {
    return jwksRefreshBurst;
  }

  public void setJwksRefreshBurst(int jwksRefreshBurst) {
    this.jwksRefreshBurst = jwksRefreshBurst;
  }

  public Path getJwksSnapshotDirectory() {
    return jwksSnapshotDirectory;
  }

  public void setJwksSnapshotDirectory(Path jwksSnapshotDirectory) {
    this.jwksSnapshotDirectory = jwksSnapshotDirectory;
  }

  public DpopMode getDpopMode() {
    return dpopMode;
  }

  public void setDpopMode(DpopMode dpopMode) {
    this.dpopMode = dpopMode;
  }

  public List<String> getDpopAlgorithms() {
    return dpopAlgorithms;
  }

  public void setDpopAlgorithms(List<String> dpopAlgorithms) {
    this.dpopAlgorithms = dpopAlgorithms;
  }

  public Duration getDpopProofMaxAge() {
    return dpopProofMaxAge;
  }

  public void setDpopProofMaxAge(Duration dpopProofMaxAge) {
    this.dpopProofMaxAge = dpopProofMaxAge;
  }

  public URI getDpopExternalBaseUrl() {
    return dpopExternalBaseUrl;
  }

  public void setDpopExternalBaseUrl(URI dpopExternalBaseUrl) {
    this.dpopExternalBaseUrl = dpopExternalBaseUrl;
  }

  public Integer getDpopReplayCacheSize() {
    return dpopReplayCacheSize;
  }

  public void setDpopReplayCacheSize(Integer dpopReplayCacheSize) {
    this.dpopReplayCacheSize = dpopReplayCacheSize;
  }

  public boolean isDpopNonce() {
    return dpopNonce;
  }

  public void setDpopNonce(boolean dpopNonce) {
    this.dpopNonce = dpopNonce;
  }

  public String getDpopNonceSecret() {
    return dpopNonceSecret;
  }

  public void setDpopNonceSecret(String dpopNonceSecret) {
    this.dpopNonceSecret = dpopNonceSecret;
  }

  public Duration getDpopNonceRotation() {
    return dpopNonceRotation;
  }

  public void setDpopNonceRotation(Duration dpopNonceRotation) {
    this.dpopNonceRotation = dpopNonceRotation;
  }

  public boolean isMtlsRequired() {
    return mtlsRequired;
  }

  public void setMtlsRequired(boolean mtlsRequired) {
    this.mtlsRequired = mtlsRequired;
  }

  public String getMtlsClientCertificateHeader() {
    return mtlsClientCertificateHeader;
  }

  public void setMtlsClientCertificateHeader(String mtlsClientCertificateHeader) {
    this.mtlsClientCertificateHeader = mtlsClientCertificateHeader;
  }

  public URI getResourceIdentifier() {
    return resourceIdentifier;
  }

  public void setResourceIdentifier(URI resourceIdentifier) {
    this.resourceIdentifier = resourceIdentifier;
  }

  public Filter getFilter() {
    return filter;
  }

  public String getDpopReplayStore() {
    return dpopReplayStore;
  }

  public void setDpopReplayStore(String dpopReplayStore) {
    this.dpopReplayStore = dpopReplayStore;
  }

  public Redis getRedis() {
    return redis;
  }

  /**
   * The Redis DPoP replay store of tokengate-redis, used with tokengate.dpop-replay-store=redis. While Redis cannot be
   * reached, DPoP requests are refused with 503 and Retry-After (fail closed): there is no setting to accept proofs
   * unchecked.
   */
  public static class Redis {
    /**
     * The Redis every instance shares, e.g. redis://redis.internal:6379, rediss://user:password@redis.internal:6380/0
     * (TLS) or redis-socket:///run/redis.sock. Required with dpop-replay-store redis.
     */
    private String uri;

    /** Put in front of every key; default tokengate:dpop:. Give each application sharing a Redis its own. */
    private String keyPrefix;

    /** How long a request waits for Redis, 10ms to 10s; default 500ms. Beyond it the request is answered 503. */
    private Duration commandTimeout;

    /** The Retry-After of the 503 answered while Redis cannot be reached, 1s to 1h; default 1s. */
    private Duration retryAfter;

    public String getUri() {
      return uri;
    }

    public void setUri(String uri) {
      this.uri = uri;
    }

    public String getKeyPrefix() {
      return keyPrefix;
    }

    public void setKeyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }

    public Duration getCommandTimeout() {
      return commandTimeout;
    }

    public void setCommandTimeout(Duration commandTimeout) {
      this.commandTimeout = commandTimeout;
    }

    public Duration getRetryAfter() {
      return retryAfter;
    }

    public void setRetryAfter(Duration retryAfter) {
      this.retryAfter = retryAfter;
    }

    /** The settings as the filter names them ({@code redis.uri}, ...), those set only. */
    java.util.Map<String, String> settings() {
      java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
      if (uri != null) {
        settings.put("redis.uri", uri);
      }
      if (keyPrefix != null) {
        settings.put("redis.key-prefix", keyPrefix);
      }
      if (commandTimeout != null) {
        settings.put("redis.command-timeout", commandTimeout.toMillis() + "ms");
      }
      if (retryAfter != null) {
        settings.put("redis.retry-after", retryAfter.toMillis() + "ms");
      }
      return settings;
    }
  }

  public Management getManagement() {
    return management;
  }

  public URI getIntrospectionEndpoint() {
    return introspectionEndpoint;
  }

  public void setIntrospectionEndpoint(URI introspectionEndpoint) {
    this.introspectionEndpoint = introspectionEndpoint;
  }

  public String getIntrospectionClientId() {
    return introspectionClientId;
  }

  public void setIntrospectionClientId(String introspectionClientId) {
    this.introspectionClientId = introspectionClientId;
  }

  public String getIntrospectionClientSecret() {
    return introspectionClientSecret;
  }

  public void setIntrospectionClientSecret(String introspectionClientSecret) {
    this.introspectionClientSecret = introspectionClientSecret;
  }

  public Introspection.ClientAuthentication getIntrospectionClientAuthentication() {
    return introspectionClientAuthentication;
  }

  public void setIntrospectionClientAuthentication(Introspection.ClientAuthentication introspectionClientAuthentication) {
    this.introspectionClientAuthentication = introspectionClientAuthentication;
  }

  public String getIntrospectionDefaultIssuer() {
    return introspectionDefaultIssuer;
  }

  public void setIntrospectionDefaultIssuer(String introspectionDefaultIssuer) {
    this.introspectionDefaultIssuer = introspectionDefaultIssuer;
  }

  public boolean isIntrospectJwts() {
    return introspectJwts;
  }

  public void setIntrospectJwts(boolean introspectJwts) {
    this.introspectJwts = introspectJwts;
  }

  public Duration getIntrospectionConnectTimeout() {
    return introspectionConnectTimeout;
  }

  public void setIntrospectionConnectTimeout(Duration introspectionConnectTimeout) {
    this.introspectionConnectTimeout = introspectionConnectTimeout;
  }

  public Duration getIntrospectionReadTimeout() {
    return introspectionReadTimeout;
  }

  public void setIntrospectionReadTimeout(Duration introspectionReadTimeout) {
    this.introspectionReadTimeout = introspectionReadTimeout;
  }

  public Integer getIntrospectionMaxBytes() {
    return introspectionMaxBytes;
  }

  public void setIntrospectionMaxBytes(Integer introspectionMaxBytes) {
    this.introspectionMaxBytes = introspectionMaxBytes;
  }

  public Duration getIntrospectionCacheMaxTtl() {
    return introspectionCacheMaxTtl;
  }

  public void setIntrospectionCacheMaxTtl(Duration introspectionCacheMaxTtl) {
    this.introspectionCacheMaxTtl = introspectionCacheMaxTtl;
  }

  public Duration getIntrospectionNegativeCacheTtl() {
    return introspectionNegativeCacheTtl;
  }

  public void setIntrospectionNegativeCacheTtl(Duration introspectionNegativeCacheTtl) {
    this.introspectionNegativeCacheTtl = introspectionNegativeCacheTtl;
  }

  public Integer getIntrospectionCacheSize() {
    return introspectionCacheSize;
  }

  public void setIntrospectionCacheSize(Integer introspectionCacheSize) {
    this.introspectionCacheSize = introspectionCacheSize;
  }

  public Integer getIntrospectionMaxConcurrency() {
    return introspectionMaxConcurrency;
  }

  public void setIntrospectionMaxConcurrency(Integer introspectionMaxConcurrency) {
    this.introspectionMaxConcurrency = introspectionMaxConcurrency;
  }

  public Security getSecurity() {
    return security;
  }

  /** Spring Security integration: {@code tokengate.security.*}. */
  public static class Security {
    /**
     * Put in front of each scope to make the caller's Spring Security authorities, as Spring Security's resource
     * server does: scope orders:read becomes the authority SCOPE_orders:read, for hasAuthority('SCOPE_orders:read').
     * May be empty.
     */
    private String authorityPrefix = "SCOPE_";

    public String getAuthorityPrefix() {
      return authorityPrefix;
    }

    public void setAuthorityPrefix(String authorityPrefix) {
      this.authorityPrefix = authorityPrefix;
    }
  }

  /** One more trusted issuer: {@code tokengate.issuers[N].*}. */
  public static class Issuer {
    /** The issuer URL; a token's 'iss' must equal it exactly. Required in each entry. */
    private String issuer;

    /** The audiences accepted from this issuer; when empty, tokengate.audiences apply. */
    private List<String> audiences = new ArrayList<>();

    /** This issuer's JWKS URL; by default discovered from its metadata. */
    private URI jwksUri;

    /** DPoP (RFC 9449) for this issuer's tokens: off (default), allowed or required; not inherited. */
    private DpopMode dpopMode = DpopMode.OFF;

    /** Whether DPoP proofs for this issuer's tokens must carry a nonce this server issued; not inherited. */
    private boolean dpopNonce;

    /** Whether this issuer's tokens must be certificate-bound (RFC 8705, cnf.x5t#S256); not inherited. */
    private boolean mtlsRequired;

    public boolean isMtlsRequired() {
      return mtlsRequired;
    }

    public void setMtlsRequired(boolean mtlsRequired) {
      this.mtlsRequired = mtlsRequired;
    }

    /**
     * This issuer's introspection endpoint; by default from its metadata. Used only with introspection-client-id.
     */
    private URI introspectionEndpoint;

    /**
     * The client id this API authenticates to this issuer's introspection endpoint with; switches on introspection
     * for this issuer (with introspection-client-secret). Not inherited.
     */
    private String introspectionClientId;

    /**
     * The secret of this entry's introspection-client-id.
     */
    private String introspectionClientSecret;

    /**
     * client_secret_basic (default) or client_secret_post.
     */
    private Introspection.ClientAuthentication introspectionClientAuthentication;

    /** Whether only signed introspection answers (RFC 9701) are accepted from this issuer; default false. */
    private boolean introspectionRequireSigned;

    public boolean isIntrospectionRequireSigned() {
      return introspectionRequireSigned;
    }

    public void setIntrospectionRequireSigned(boolean introspectionRequireSigned) {
      this.introspectionRequireSigned = introspectionRequireSigned;
    }

    public URI getIntrospectionEndpoint() {
      return introspectionEndpoint;
    }

    public void setIntrospectionEndpoint(URI introspectionEndpoint) {
      this.introspectionEndpoint = introspectionEndpoint;
    }

    public String getIntrospectionClientId() {
      return introspectionClientId;
    }

    public void setIntrospectionClientId(String introspectionClientId) {
      this.introspectionClientId = introspectionClientId;
    }

    public String getIntrospectionClientSecret() {
      return introspectionClientSecret;
    }

    public void setIntrospectionClientSecret(String introspectionClientSecret) {
      this.introspectionClientSecret = introspectionClientSecret;
    }

    public Introspection.ClientAuthentication getIntrospectionClientAuthentication() {
      return introspectionClientAuthentication;
    }

    public void setIntrospectionClientAuthentication(Introspection.ClientAuthentication introspectionClientAuthentication) {
      this.introspectionClientAuthentication = introspectionClientAuthentication;
    }

    public boolean isDpopNonce() {
      return dpopNonce;
    }

    public void setDpopNonce(boolean dpopNonce) {
      this.dpopNonce = dpopNonce;
    }

    public DpopMode getDpopMode() {
      return dpopMode;
    }

    public void setDpopMode(DpopMode dpopMode) {
      this.dpopMode = dpopMode;
    }

    public String getIssuer() {
      return issuer;
    }

    public void setIssuer(String issuer) {
      this.issuer = issuer;
    }

    public List<String> getAudiences() {
      return audiences;
    }

    public void setAudiences(List<String> audiences) {
      this.audiences = audiences;
    }

    public URI getJwksUri() {
      return jwksUri;
    }

    public void setJwksUri(URI jwksUri) {
      this.jwksUri = jwksUri;
    }
  }

  /** Where the filter is mapped: {@code tokengate.filter.*}. */
  public static class Filter {
    /** The servlet url-patterns the filter is mapped to; public-paths are exempted within them. */
    private List<String> urlPatterns = new ArrayList<>(List.of("/*"));

    /**
     * The filter's order among servlet filters: by default -110, just before Spring Security's chain (-100), so that
     * Spring Security sees the request only once tokengate accepted it.
     */
    private int order = DEFAULT_FILTER_ORDER;

    /**
     * Whether tokengate's filter checks requests. Set it to false only to use tokengate as the JwtDecoder (or
     * ReactiveJwtDecoder) of Spring Security's oauth2ResourceServer(): start-up then fails unless a Spring Security
     * filter chain validates bearer tokens. The request firewall stays on every path.
     */
    private boolean enabled = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public List<String> getUrlPatterns() {
      return urlPatterns;
    }

    public void setUrlPatterns(List<String> urlPatterns) {
      this.urlPatterns = urlPatterns;
    }

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }
  }

  /** The Actuator management server on its own port: {@code tokengate.management.*}. */
  public static class Management {
    /**
     * Whether the management server on its own port (management.server.port) is protected by the same filter, mapped
     * the same way, as the application. Setting it to false leaves every Actuator endpoint on that port open to
     * anyone who can reach the port, and is logged as a warning at start-up.
     */
    private boolean protect = true;

    public boolean isProtect() {
      return protect;
    }

    public void setProtect(boolean protect) {
      this.protect = protect;
    }
  }
}
