package dev.tokengate;

import static java.util.Objects.requireNonNull;

import dev.tokengate.internal.config.SettingValues;
import dev.tokengate.internal.dpop.InMemoryReplayStore;
import dev.tokengate.spi.DpopReplayStore;
import dev.tokengate.spi.DpopReplayStoreProvider;
import dev.tokengate.internal.scope.PathPattern;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of a {@link TokenGateFilter} or {@link TokenValidator}: immutable, checked when built.
 *
 * <p>Build it in code with {@link #builder()}, or from {@code web.xml} init-params and any other string settings with
 * {@link #fromSettings(Map)}. Setting names are the same everywhere: the init-param {@code clock-skew} is the Spring
 * Boot property {@code tokengate.clock-skew} and the builder method {@link Builder#clockSkew(Duration)}.
 *
 * <p>No setting relaxes the filter's request firewall (see {@link TokenGateFilter}): a request path with {@code ;},
 * encoded dots or slashes, dot segments and the like is always refused, because each relaxation would let a container
 * and a framework read one path two ways again. Tomcat and Jetty refuse encoded slashes by default themselves.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code issuer}</td><td>required, unless {@code issuers[N]} are set</td><td>the issuer URL; the token's
 *       {@code iss} must equal it exactly</td></tr>
 *   <tr><td>{@code jwks-uri}</td><td>discovered</td><td>the JWKS URL; by default read from the issuer's
 *       {@code /.well-known/openid-configuration}, then {@code /.well-known/oauth-authorization-server}</td></tr>
 *   <tr><td>{@code audiences}</td><td>required, unless every issuer has its own</td><td>the token's {@code aud}
 *       must contain one of these</td></tr>
 *   <tr><td>{@code issuers[N].issuer}, {@code issuers[N].audiences}, {@code issuers[N].jwks-uri}</td><td>none</td>
 *       <td>more trusted issuers ({@code N} = 0, 1, ...), each with its own audiences (default: {@code audiences})
 *       and JWKS URL (default: discovered); see {@link TrustedIssuer}</td></tr>
 *   <tr><td>{@code allow-any-audience}</td><td>{@code false}</td><td>{@code true} skips the audience check; only for
 *       issuers that issue tokens to this API alone</td></tr>
 *   <tr><td>{@code algorithms}</td><td>RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519</td>
 *       <td>the signing algorithms accepted; HS256/384/512 only together with {@code shared-secret}</td></tr>
 *   <tr><td>{@code shared-secret}</td><td>none</td><td>the HMAC secret (at least 32 bytes) for HS* tokens</td></tr>
 *   <tr><td>{@code clock-skew}</td><td>60s</td><td>tolerance on {@code exp}, {@code nbf}, {@code iat}; at most 5m</td></tr>
 *   <tr><td>{@code typ-policy}</td><td>{@code lenient}</td><td>{@code lenient} accepts {@code typ} at+jwt,
 *       application/at+jwt, JWT or none; {@code strict} requires at+jwt</td></tr>
 *   <tr><td>{@code client-id-claims}</td><td>client_id azp cid appid sub</td><td>where the client id is read, first
 *       present wins</td></tr>
 *   <tr><td>{@code scope-claims}</td><td>scope scp</td><td>claims merged into the scope set: a space-separated string
 *       or an array of strings; add {@code roles} for Entra ID app permissions</td></tr>
 *   <tr><td>{@code public-paths}</td><td>none</td><td>servlet url-patterns that need no token, e.g. /health</td></tr>
 *   <tr><td>{@code scope-rules}</td><td>none</td><td>{@code [METHOD] pattern=scope ...}, see {@link ScopeRule}</td></tr>
 *   <tr><td>{@code realm}</td><td>{@code api}</td><td>the realm in {@code WWW-Authenticate}</td></tr>
 *   <tr><td>{@code max-token-length}</td><td>8192</td><td>longer tokens are refused before any parsing</td></tr>
 *   <tr><td>{@code jwks-connect-timeout}</td><td>2s</td><td>connect timeout of discovery and JWKS requests</td></tr>
 *   <tr><td>{@code jwks-read-timeout}</td><td>5s</td><td>the rest of a key load's total deadline: discovery and JWKS,
 *       headers and body, end within {@code jwks-connect-timeout + jwks-read-timeout} however slowly the server
 *       answers; a request waits for keys at most that plus 0.25 s</td></tr>
 *   <tr><td>{@code jwks-max-bytes}</td><td>524288 (512 KiB)</td><td>larger discovery or JWKS documents are refused</td></tr>
 *   <tr><td>{@code jwks-cache-ttl}</td><td>5m</td><td>how long fetched keys are used when the response has no
 *       {@code Cache-Control: max-age}; refreshed in the background at three quarters of it</td></tr>
 *   <tr><td>{@code jwks-min-cache-ttl}</td><td>1m</td><td>a shorter {@code max-age} is raised to this</td></tr>
 *   <tr><td>{@code jwks-max-cache-ttl}</td><td>1h</td><td>a longer {@code max-age} is lowered to this</td></tr>
 *   <tr><td>{@code jwks-refresh-rate-limit}</td><td>30s</td><td>after the burst, one refresh for an unknown {@code
 *       kid} per this interval; a kid refused meanwhile is answered 503 with {@code Retry-After} until the refresh
 *       scheduled for the moment the limit allows, and 401 if that refresh does not bring it</td></tr>
 *   <tr><td>{@code jwks-max-staleness}</td><td>24h</td><td>how long past their expiry the last good keys keep serving
 *       while the key server fails</td></tr>
 *   <tr><td>{@code allow-query-token}</td><td>{@code false}</td><td>also accept {@code ?access_token=} (RFC 6750
 *       §2.3; leaks tokens into logs, avoid)</td></tr>
 *   <tr><td>{@code allow-form-token}</td><td>{@code false}</td><td>also accept {@code access_token} in a form body
 *       (RFC 6750 §2.2)</td></tr>
 *   <tr><td>{@code token-cache-size}</td><td>10000</td><td>how many validated tokens are remembered until their
 *       {@code exp}, so a repeated token skips the signature check; 0 switches the cache off</td></tr>
 *   <tr><td>{@code jwks-refresh-burst}</td><td>2</td><td>how many unknown-{@code kid} refreshes may run back to back
 *       before {@code jwks-refresh-rate-limit} applies: a flood of forged kids costs at most this many fetches plus
 *       one per interval</td></tr>
 *   <tr><td>{@code jwks-snapshot-directory}</td><td>none (off)</td><td>a directory where the last good JWKS of each
 *       issuer is saved after every fetch, and read at start-up only when the key server cannot be reached (used
 *       within {@code jwks-max-staleness} of its fetch)</td></tr>
 *   <tr><td>{@code dpop-mode}, {@code issuers[N].dpop-mode}</td><td>{@code off}</td><td>DPoP (RFC 9449) for the
 *       issuer set with {@code issuer}, or for entry {@code N} (each issuer has its own; entries do not inherit
 *       {@code dpop-mode}): {@code off}, {@code allowed} or {@code required}, see {@link DpopMode}</td></tr>
 *   <tr><td>{@code dpop-algorithms}</td><td>ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512</td><td>the
 *       algorithms a DPoP proof may be signed with, announced in the {@code DPoP} challenge's {@code algs}; also
 *       {@code EdDSA} and {@code Ed25519} (an Ed25519 key), when listed</td></tr>
 *   <tr><td>{@code dpop-proof-max-age}</td><td>60s</td><td>how old a proof's {@code iat} may be (it may be at most
 *       {@code clock-skew} in the future); also how long its {@code jti} is remembered. 1s to 10m</td></tr>
 *   <tr><td>{@code dpop-external-base-url}</td><td>none (off)</td><td>the URL clients call this application by,
 *       e.g. {@code https://api.example.com}, when a reverse proxy stands in front of it and the container does not
 *       already see the external scheme and host: a proof's {@code htu} must then equal this URL plus the request's
 *       path</td></tr>
 *   <tr><td>{@code dpop-replay-cache-size}</td><td>100000</td><td>how many used proofs the in-process replay store
 *       remembers (only with {@code dpop-replay-store} {@code in-process}); size it to the most proofs
 *       expected within {@code dpop-proof-max-age}</td></tr>
 *   <tr><td>{@code dpop-replay-store}</td><td>{@code in-process}</td><td>where used proofs are remembered: {@code
 *       in-process}, or {@code redis} (with {@code tokengate-redis} on the class path) for a fleet of instances
 *       sharing one Redis, or the name of another {@link dev.tokengate.spi.DpopReplayStoreProvider}</td></tr>
 *   <tr><td>{@code redis.uri}</td><td>required with {@code dpop-replay-store} {@code redis}</td><td>the Redis, e.g.
 *       {@code redis://redis.internal:6379} or {@code rediss://user:password@redis.internal:6380/0}</td></tr>
 *   <tr><td>{@code redis.key-prefix}, {@code redis.command-timeout}, {@code redis.retry-after}</td><td>{@code
 *       tokengate:dpop:}, 500ms, 1s</td><td>put in front of every key; how long a request waits for Redis; the
 *       {@code Retry-After} of the 503 answered while Redis cannot be reached (see {@code
 *       dev.tokengate.redis.RedisReplayStore}: it fails closed, with no setting to accept proofs unchecked)</td></tr>
 *   <tr><td>{@code dpop-nonce}, {@code issuers[N].dpop-nonce}</td><td>{@code false}</td><td>whether DPoP proofs
 *       for this issuer's tokens must carry a nonce this server issued (RFC 9449 §9): a proof without one, or with a
 *       stale or foreign one, is answered 401 {@code use_dpop_nonce} with a fresh nonce in {@code DPoP-Nonce}</td></tr>
 *   <tr><td>{@code dpop-nonce-secret}</td><td>none</td><td>the HMAC key nonces are made with (at least 32 bytes);
 *       the same on every instance, so that any instance accepts another's nonce</td></tr>
 *   <tr><td>{@code dpop-nonce-rotation}</td><td>5m</td><td>how often the nonce changes, 10s to 1h; the current
 *       and the previous one are accepted</td></tr>
 *   <tr><td>{@code mtls-required}, {@code issuers[N].mtls-required}</td><td>{@code false}</td><td>whether the
 *       issuer's tokens must be certificate-bound (RFC 8705 §3, {@code cnf.x5t#S256}); a bound token is held to the
 *       request's TLS client certificate whatever this says</td></tr>
 *   <tr><td>{@code mtls-client-certificate-header}</td><td>none (off)</td><td>the request header a TLS-terminating
 *       reverse proxy puts the client certificate in, for certificate-bound tokens; see {@link
 *       Builder#mtlsClientCertificateHeader(String)}. Only where the proxy always sets or removes it</td></tr>
 *   <tr><td>{@code resource-identifier}</td><td>none (off)</td><td>this API's resource identifier (RFC 9728), e.g.
 *       {@code https://api.example.com}: the filter then serves its protected-resource metadata at {@code
 *       /.well-known/oauth-protected-resource} (plus the identifier's path) and names it in every challenge's {@code
 *       resource_metadata}; see {@link Builder#resourceIdentifier(URI)}</td></tr>
 *   <tr><td>{@code introspection-client-id}, {@code introspection-client-secret}, {@code issuers[N].introspection-...}
 *       </td><td>none (off)</td><td>switch on token introspection (RFC 7662) for opaque tokens of the issuer set with
 *       {@code issuer}, or of entry {@code N}, as this client; see {@link Introspection}</td></tr>
 *   <tr><td>{@code introspection-endpoint}, {@code issuers[N].introspection-endpoint}</td><td>discovered</td><td>the
 *       introspection URL; by default the {@code introspection_endpoint} of the issuer's metadata</td></tr>
 *   <tr><td>{@code introspection-client-authentication}, {@code issuers[N].introspection-client-authentication}</td>
 *       <td>{@code client_secret_basic}</td><td>or {@code client_secret_post}</td></tr>
 *   <tr><td>{@code introspection-require-signed}, {@code issuers[N].introspection-require-signed}</td><td>{@code
 *       false}</td><td>{@code true} accepts only signed introspection answers (RFC 9701), verified with the issuer's
 *       keys; see {@link Introspection#withSignedResponseRequired(boolean)}</td></tr>
 *   <tr><td>{@code introspection-default-issuer}</td><td>the only issuer with introspection</td><td>whose endpoint
 *       opaque tokens are sent to, required when several issuers have introspection (an opaque token does not say
 *       who issued it)</td></tr>
 *   <tr><td>{@code introspect-jwts}</td><td>{@code false}</td><td>{@code true} also asks the endpoint about JWTs
 *       that passed local validation, when their issuer has introspection: revocation is then seen within
 *       {@code introspection-cache-max-ttl}, at the cost of a call per new token</td></tr>
 *   <tr><td>{@code introspection-connect-timeout}</td><td>2s</td><td>connect timeout of introspection calls</td></tr>
 *   <tr><td>{@code introspection-read-timeout}</td><td>3s</td><td>with the connect timeout, the total deadline of one
 *       call, however slowly the endpoint answers; a request waits at most that plus 0.25 s</td></tr>
 *   <tr><td>{@code introspection-max-bytes}</td><td>65536</td><td>larger introspection responses are refused</td></tr>
 *   <tr><td>{@code introspection-cache-max-ttl}</td><td>60s</td><td>how long an active answer is remembered at most
 *       (never past the token's {@code exp}); a revoked token keeps working up to this long. 0 to 1h, 0 remembers
 *       no active answer</td></tr>
 *   <tr><td>{@code introspection-negative-cache-ttl}</td><td>10s</td><td>how long an inactive answer is remembered,
 *       0 to 5m</td></tr>
 *   <tr><td>{@code introspection-cache-size}</td><td>10000</td><td>how many answers are remembered; 0 switches the
 *       cache off (identical requests under way still share one call)</td></tr>
 *   <tr><td>{@code introspection-max-concurrency}</td><td>16</td><td>the most introspection calls under way at once,
 *       per validator; a token not in the cache is answered 503 with {@code Retry-After: 1} while that many are
 *       under way, so a flood of made-up opaque tokens costs the endpoint at most this many concurrent calls</td></tr>
 * </table>
 */
public final class TokenGateConfig {
  /** The largest clock skew accepted: beyond this, expiry stops meaning much. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  static final Set<String> ASYMMETRIC_ALGORITHMS = Set.of(
      "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519");
  static final Set<String> HMAC_ALGORITHMS = Set.of("HS256", "HS384", "HS512");
  private static final List<String> DEFAULT_ALGORITHMS = List.of(
      "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519");
  private static final int MIN_SHARED_SECRET_BYTES = 32;
  private static final int DEFAULT_TOKEN_CACHE_SIZE = 10_000;
  private static final int MAX_TOKEN_CACHE_SIZE = 10_000_000;
  private static final Pattern ISSUER_ENTRY = Pattern.compile("issuers\\[(\\d{1,3})\\]\\.(issuer|audiences|jwks-uri"
      + "|dpop-mode|dpop-nonce|mtls-required|introspection-endpoint|introspection-client-id|introspection-client-secret"
      + "|introspection-client-authentication|introspection-require-signed)");
  private static final int MAX_INTROSPECTION_CONCURRENCY = 1000;
  static final List<String> DEFAULT_DPOP_ALGORITHMS =
      List.of("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512");
  /**
   * What {@code dpop-algorithms} may name: the default, and EdDSA / Ed25519 (an Ed25519 proof key, checked by the JDK's
   * own Ed25519), which are opt-in so that the default {@code algs=} stays what every DPoP client signs with.
   */
  static final List<String> SUPPORTED_DPOP_ALGORITHMS =
      List.of("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA", "Ed25519");
  private static final Set<String> DPOP_ALGORITHMS = Set.copyOf(SUPPORTED_DPOP_ALGORITHMS);
  private static final int DEFAULT_DPOP_REPLAY_CACHE_SIZE = 100_000;
  /** The default of {@code dpop-replay-store}. */
  private static final String IN_PROCESS = "in-process";

  private final String issuer;
  private final URI jwksUri;
  private final Set<String> audiences;
  private final boolean allowAnyAudience;
  private final Set<String> algorithms;
  private final byte[] sharedSecret;
  private final Duration clockSkew;
  private final TokenTypePolicy typPolicy;
  private final List<String> clientIdClaims;
  private final List<String> scopeClaims;
  private final List<String> publicPaths;
  private final List<ScopeRule> scopeRules;
  private final String realm;
  private final int maxTokenLength;
  private final Duration jwksConnectTimeout;
  private final Duration jwksReadTimeout;
  private final int jwksMaxBytes;
  private final Duration jwksCacheTtl;
  private final Duration jwksMinCacheTtl;
  private final Duration jwksMaxCacheTtl;
  private final Duration jwksRefreshRateLimit;
  private final Duration jwksMaxStaleness;
  private final List<TrustedIssuer> trustedIssuers;
  private final boolean allowQueryToken;
  private final boolean allowFormToken;
  private final int tokenCacheSize;
  private final Clock clock;
  private final int jwksRefreshBurst;
  private final Path jwksSnapshotDirectory;
  private final Set<String> dpopAlgorithms;
  private final Duration dpopProofMaxAge;
  private final URI dpopExternalBaseUrl;
  private final DpopReplayStore dpopReplayStore;
  /** What {@code dpop-replay-store} named, for the summary: in-process, a provider's name, or (custom). */
  private final String dpopReplayStoreName;
  /** Whether this configuration made its store from settings, so that the validator closes it. */
  private final boolean ownsReplayStore;
  private boolean replayStoreClosed;
  private final byte[] dpopNonceSecret;
  private final Duration dpopNonceRotation;
  private final String mtlsClientCertificateHeader;
  private final URI resourceIdentifier;
  private final Map<String, Introspection> introspection;
  private final String introspectionDefaultIssuer;
  private final boolean introspectJwts;
  private final Duration introspectionConnectTimeout;
  private final Duration introspectionReadTimeout;
  private final int introspectionMaxBytes;
  private final Duration introspectionCacheMaxTtl;
  private final Duration introspectionNegativeCacheTtl;
  private final int introspectionCacheSize;
  private final int introspectionMaxConcurrency;

  private TokenGateConfig(Builder builder) {
    this.issuer = builder.issuer;
    this.jwksUri = builder.jwksUri;
    this.audiences = Collections.unmodifiableSet(new LinkedHashSet<>(builder.audiences));
    this.allowAnyAudience = builder.allowAnyAudience;
    this.algorithms = Collections.unmodifiableSet(new LinkedHashSet<>(builder.algorithms));
    this.sharedSecret = builder.sharedSecret == null ? null : builder.sharedSecret.clone();
    this.clockSkew = builder.clockSkew;
    this.typPolicy = builder.typPolicy;
    this.clientIdClaims = List.copyOf(builder.clientIdClaims);
    this.scopeClaims = List.copyOf(builder.scopeClaims);
    this.publicPaths = List.copyOf(builder.publicPaths);
    this.scopeRules = List.copyOf(builder.scopeRules);
    this.realm = builder.realm;
    this.maxTokenLength = builder.maxTokenLength;
    this.jwksConnectTimeout = builder.jwksConnectTimeout;
    this.jwksReadTimeout = builder.jwksReadTimeout;
    this.jwksMaxBytes = builder.jwksMaxBytes;
    this.jwksCacheTtl = builder.jwksCacheTtl;
    this.jwksMinCacheTtl = builder.jwksMinCacheTtl;
    this.jwksMaxCacheTtl = builder.jwksMaxCacheTtl;
    this.jwksRefreshRateLimit = builder.jwksRefreshRateLimit;
    this.jwksMaxStaleness = builder.jwksMaxStaleness;
    this.trustedIssuers = builder.effectiveIssuers();
    this.allowQueryToken = builder.allowQueryToken;
    this.allowFormToken = builder.allowFormToken;
    this.tokenCacheSize = builder.tokenCacheSize;
    this.clock = builder.clock;
    this.jwksRefreshBurst = builder.jwksRefreshBurst;
    this.jwksSnapshotDirectory = builder.jwksSnapshotDirectory;
    this.dpopAlgorithms = Collections.unmodifiableSet(new LinkedHashSet<>(builder.dpopAlgorithms));
    this.dpopProofMaxAge = builder.dpopProofMaxAge;
    this.dpopExternalBaseUrl = builder.dpopExternalBaseUrl;
    this.dpopNonceSecret = builder.dpopNonceSecret == null ? null : builder.dpopNonceSecret.clone();
    this.dpopNonceRotation = builder.dpopNonceRotation;
    this.mtlsClientCertificateHeader = builder.mtlsClientCertificateHeader;
    this.resourceIdentifier = builder.resourceIdentifier;
    this.introspection = Collections.unmodifiableMap(new LinkedHashMap<>(builder.introspection));
    this.introspectionDefaultIssuer = builder.introspectionDefaultIssuer != null ? builder.introspectionDefaultIssuer
        : introspection.size() == 1 ? introspection.keySet().iterator().next() : null;
    this.introspectJwts = builder.introspectJwts;
    this.introspectionConnectTimeout = builder.introspectionConnectTimeout;
    this.introspectionReadTimeout = builder.introspectionReadTimeout;
    this.introspectionMaxBytes = builder.introspectionMaxBytes;
    this.introspectionCacheMaxTtl = builder.introspectionCacheMaxTtl;
    this.introspectionNegativeCacheTtl = builder.introspectionNegativeCacheTtl;
    this.introspectionCacheSize = builder.introspectionCacheSize;
    this.introspectionMaxConcurrency = builder.introspectionMaxConcurrency;
    boolean dpopUsed = trustedIssuers.stream().anyMatch(trusted -> trusted.dpopMode() != DpopMode.OFF);
    // One default store per configuration, so that filters sharing it (or its validator) share what they saw.
    this.ownsReplayStore = builder.providedReplayStore != null;
    this.dpopReplayStore = builder.dpopReplayStore != null ? builder.dpopReplayStore
        : builder.providedReplayStore != null ? builder.providedReplayStore
        : dpopUsed ? new InMemoryReplayStore(builder.dpopReplayCacheSize, clock) : null;
    this.dpopReplayStoreName = builder.dpopReplayStore != null ? "(custom)"
        : builder.dpopReplayStoreProvider != null ? builder.dpopReplayStoreProvider.name() : IN_PROCESS;
  }

  /**
   * Closes the replay store this configuration made from {@code dpop-replay-store} (e.g. its Redis connection), when
   * the validator using it closes. A store set as an object belongs to whoever made it.
   */
  synchronized void closeOwnedReplayStore() {
    if (ownsReplayStore && !replayStoreClosed && dpopReplayStore instanceof AutoCloseable closeable) {
      replayStoreClosed = true;
      try {
        closeable.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(TokenGateConfig.class).warn("Closing the DPoP replay store failed", e);
      }
    }
  }

  /** Starts a configuration; {@link Builder#issuer(String)} and {@link Builder#audiences} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Reads a configuration from string settings, as {@code web.xml} init-params deliver them. Names are those in the
   * table above; lists are separated by commas or spaces ({@code scope-rules} by commas or new lines); durations are
   * written {@code 30s}, {@code 500ms}, {@code 5m} or {@code PT30S}.
   *
   * @throws IllegalArgumentException naming the setting, when a setting is unknown, missing or invalid
   */
  public static TokenGateConfig fromSettings(Map<String, String> settings) {
    Builder builder = builder();
    Map<String, BiConsumer<Builder, String>> readers = settingReaders();
    Map<Integer, Map<String, String>> issuerEntries = new TreeMap<>();
    // A dotted name (redis.uri) is a setting of the replay store named by dpop-replay-store; the builder checks it.
    Map<String, String> storeSettings = new LinkedHashMap<>();
    String storeName = null;
    for (Map.Entry<String, String> setting : settings.entrySet()) {
      if (setting.getKey().equals("dpop-replay-store")) {
        storeName = setting.getValue() == null || setting.getValue().isBlank() ? null : setting.getValue().strip();
        continue;
      }
      if (setting.getKey().indexOf('.') > 0 && !ISSUER_ENTRY.matcher(setting.getKey()).matches()
          && !setting.getKey().startsWith("issuers[")) {
        storeSettings.put(setting.getKey(), setting.getValue() == null ? "" : setting.getValue());
        continue;
      }
      Matcher issuerEntry = ISSUER_ENTRY.matcher(setting.getKey());
      if (issuerEntry.matches()) {
        issuerEntries.computeIfAbsent(Integer.parseInt(issuerEntry.group(1)), i -> new LinkedHashMap<>())
            .put(issuerEntry.group(2), setting.getValue() == null ? "" : setting.getValue().strip());
        continue;
      }
      BiConsumer<Builder, String> reader = readers.get(setting.getKey());
      if (reader == null) {
        throw new IllegalArgumentException("Unknown setting '" + setting.getKey() + "'; known settings are "
            + new TreeSet<>(readers.keySet()) + "; issuers[N].introspection-endpoint,"
            + " issuers[N].introspection-client-id, issuers[N].introspection-client-secret,"
            + " issuers[N].introspection-client-authentication, issuers[N].introspection-require-signed;"
            + " and issuers[N].issuer, issuers[N].audiences, issuers[N].jwks-uri, issuers[N].dpop-mode,"
            + " issuers[N].dpop-nonce, issuers[N].mtls-required");
      }
      if (setting.getValue() != null && !setting.getValue().isBlank()) {
        reader.accept(builder, setting.getValue().strip());
      }
    }
    issuerEntries.forEach((index, entry) -> {
      TrustedIssuer trusted = trustedIssuer(index, entry);
      builder.trustedIssuer(trusted);
      introspectionFrom("issuers[" + index + "].", entry.getOrDefault("introspection-endpoint", ""),
          entry.getOrDefault("introspection-client-id", ""), entry.getOrDefault("introspection-client-secret", ""),
          entry.getOrDefault("introspection-client-authentication", ""),
          entry.getOrDefault("introspection-require-signed", ""))
          .ifPresent(found -> builder.introspection(trusted.issuer(), found));
    });
    builder.mainIntrospectionFromSettings();
    if (storeName != null || !storeSettings.isEmpty()) {
      builder.dpopReplayStore(storeName == null ? IN_PROCESS : storeName, storeSettings);
    }
    return builder.build();
  }

  private static TrustedIssuer trustedIssuer(int index, Map<String, String> entry) {
    String prefix = "issuers[" + index + "].";
    String issuer = entry.getOrDefault("issuer", "");
    if (issuer.isEmpty()) {
      throw new IllegalArgumentException("Setting '" + prefix + "issuer' is required when other '" + prefix
          + "' settings are set: set it to the issuer URL, exactly as in the tokens' 'iss' claim");
    }
    String jwksUriText = entry.getOrDefault("jwks-uri", "");
    Optional<URI> jwksUri =
        jwksUriText.isEmpty() ? Optional.empty() : Optional.of(uri(prefix + "jwks-uri", jwksUriText));
    String dpopModeText = entry.getOrDefault("dpop-mode", "");
    DpopMode dpopMode = dpopModeText.isEmpty() ? DpopMode.OFF : dpopMode(prefix + "dpop-mode", dpopModeText);
    String dpopNonceText = entry.getOrDefault("dpop-nonce", "");
    boolean dpopNonce = !dpopNonceText.isEmpty() && SettingValues.bool(prefix + "dpop-nonce", dpopNonceText);
    String mtlsRequiredText = entry.getOrDefault("mtls-required", "");
    boolean mtlsRequired =
        !mtlsRequiredText.isEmpty() && SettingValues.bool(prefix + "mtls-required", mtlsRequiredText);
    try {
      return new TrustedIssuer(issuer, SettingValues.list(entry.getOrDefault("audiences", "")), jwksUri, dpopMode,
          dpopNonce, mtlsRequired);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Setting '" + prefix + e.getMessage().substring(1), e);
    }
  }

  /**
   * The introspection that settings with {@code prefix} (empty or {@code issuers[N].}) describe; empty when none of
   * them is set.
   */
  private static Optional<Introspection> introspectionFrom(String prefix, String endpoint, String clientId,
      String clientSecret, String authentication, String requireSigned) {
    if (endpoint.isEmpty() && clientId.isEmpty() && clientSecret.isEmpty() && authentication.isEmpty()
        && requireSigned.isEmpty()) {
      return Optional.empty();
    }
    if (clientId.isEmpty()) {
      throw new IllegalArgumentException("Setting '" + prefix + "introspection-client-id' is required when other '"
          + prefix + "introspection-' settings are set: set it to the client id this API authenticates to the"
          + " introspection endpoint with");
    }
    if (clientSecret.isEmpty()) {
      throw new IllegalArgumentException("Setting '" + prefix + "introspection-client-secret' is required when '"
          + prefix + "introspection-client-id' is set: set it to that client's secret");
    }
    try {
      Introspection settings = Introspection.withClient(clientId, clientSecret);
      if (!endpoint.isEmpty()) {
        settings = settings.withEndpoint(uri("introspection-endpoint", endpoint));
      }
      if (!authentication.isEmpty()) {
        settings = settings.withClientAuthentication(clientAuthentication(authentication));
      }
      if (!requireSigned.isEmpty()) {
        settings = settings.withSignedResponseRequired(
            SettingValues.bool("introspection-require-signed", requireSigned));
      }
      return Optional.of(settings);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(prefix.isEmpty() ? e.getMessage()
          : e.getMessage().replace("Setting '", "Setting '" + prefix), e);
    }
  }

  private static Introspection.ClientAuthentication clientAuthentication(String value) {
    for (Introspection.ClientAuthentication method : Introspection.ClientAuthentication.values()) {
      if (method.settingValue().equalsIgnoreCase(value.strip())) {
        return method;
      }
    }
    throw new IllegalArgumentException("Setting 'introspection-client-authentication' must be client_secret_basic or"
        + " client_secret_post, was '" + value + "'");
  }

  /** The names of every setting {@link #fromSettings(Map)} reads. */
  public static Set<String> settingNames() {
    return Collections.unmodifiableSet(settingReaders().keySet());
  }

  private static Map<String, BiConsumer<Builder, String>> settingReaders() {
    Map<String, BiConsumer<Builder, String>> readers = new LinkedHashMap<>();
    readers.put("issuer", Builder::issuer);
    readers.put("jwks-uri", (b, v) -> b.jwksUri(uri("jwks-uri", v)));
    readers.put("audiences", (b, v) -> b.audiences(SettingValues.list(v)));
    readers.put("allow-any-audience", (b, v) -> b.allowAnyAudience(SettingValues.bool("allow-any-audience", v)));
    readers.put("algorithms", (b, v) -> b.algorithms(SettingValues.list(v)));
    readers.put("shared-secret", (b, v) -> b.sharedSecret(v.getBytes(StandardCharsets.UTF_8)));
    readers.put("clock-skew", (b, v) -> b.clockSkew(SettingValues.duration("clock-skew", v)));
    readers.put("typ-policy", (b, v) -> b.typPolicy(typPolicy(v)));
    readers.put("client-id-claims", (b, v) -> b.clientIdClaims(SettingValues.list(v)));
    readers.put("scope-claims", (b, v) -> b.scopeClaims(SettingValues.list(v)));
    readers.put("public-paths", (b, v) -> b.publicPaths(SettingValues.list(v)));
    readers.put("scope-rules", (b, v) -> SettingValues.lines(v).forEach(rule -> b.scopeRule(ScopeRule.parse(rule))));
    readers.put("realm", Builder::realm);
    readers.put("max-token-length", (b, v) -> b.maxTokenLength(SettingValues.positiveInt("max-token-length", v)));
    readers.put("jwks-connect-timeout",
        (b, v) -> b.jwksConnectTimeout(SettingValues.duration("jwks-connect-timeout", v)));
    readers.put("jwks-read-timeout", (b, v) -> b.jwksReadTimeout(SettingValues.duration("jwks-read-timeout", v)));
    readers.put("jwks-max-bytes", (b, v) -> b.jwksMaxBytes(SettingValues.positiveInt("jwks-max-bytes", v)));
    readers.put("jwks-cache-ttl", (b, v) -> b.jwksCacheTtl(SettingValues.duration("jwks-cache-ttl", v)));
    readers.put("jwks-min-cache-ttl", (b, v) -> b.jwksMinCacheTtl(SettingValues.duration("jwks-min-cache-ttl", v)));
    readers.put("jwks-max-cache-ttl", (b, v) -> b.jwksMaxCacheTtl(SettingValues.duration("jwks-max-cache-ttl", v)));
    readers.put("jwks-refresh-rate-limit",
        (b, v) -> b.jwksRefreshRateLimit(SettingValues.duration("jwks-refresh-rate-limit", v)));
    readers.put("jwks-max-staleness", (b, v) -> b.jwksMaxStaleness(SettingValues.duration("jwks-max-staleness", v)));
    readers.put("allow-query-token", (b, v) -> b.allowQueryToken(SettingValues.bool("allow-query-token", v)));
    readers.put("allow-form-token", (b, v) -> b.allowFormToken(SettingValues.bool("allow-form-token", v)));
    readers.put("token-cache-size", (b, v) -> b.tokenCacheSize(SettingValues.nonNegativeInt("token-cache-size", v)));
    readers.put("jwks-refresh-burst",
        (b, v) -> b.jwksRefreshBurst(SettingValues.positiveInt("jwks-refresh-burst", v)));
    readers.put("jwks-snapshot-directory", (b, v) -> b.jwksSnapshotDirectory(snapshotPath(v)));
    readers.put("dpop-mode", (b, v) -> b.dpopMode(dpopMode("dpop-mode", v)));
    readers.put("dpop-algorithms", (b, v) -> b.dpopAlgorithms(SettingValues.list(v)));
    readers.put("dpop-proof-max-age", (b, v) -> b.dpopProofMaxAge(SettingValues.duration("dpop-proof-max-age", v)));
    readers.put("dpop-external-base-url", (b, v) -> b.dpopExternalBaseUrl(uri("dpop-external-base-url", v)));
    readers.put("dpop-replay-cache-size",
        (b, v) -> b.dpopReplayCacheSize(SettingValues.positiveInt("dpop-replay-cache-size", v)));
    readers.put("dpop-replay-store", (b, v) -> b.dpopReplayStore(v, Map.of()));
    readers.put("dpop-nonce", (b, v) -> b.dpopNonce(SettingValues.bool("dpop-nonce", v)));
    readers.put("dpop-nonce-secret", (b, v) -> b.dpopNonceSecret(v.getBytes(StandardCharsets.UTF_8)));
    readers.put("dpop-nonce-rotation",
        (b, v) -> b.dpopNonceRotation(SettingValues.duration("dpop-nonce-rotation", v)));
    readers.put("mtls-required", (b, v) -> b.mtlsRequired(SettingValues.bool("mtls-required", v)));
    readers.put("mtls-client-certificate-header", Builder::mtlsClientCertificateHeader);
    readers.put("resource-identifier", (b, v) -> b.resourceIdentifier(uri("resource-identifier", v)));
    readers.put("introspection-endpoint", (b, v) -> b.mainIntrospectionSettings.put("endpoint", v));
    readers.put("introspection-client-id", (b, v) -> b.mainIntrospectionSettings.put("client-id", v));
    readers.put("introspection-client-secret", (b, v) -> b.mainIntrospectionSettings.put("client-secret", v));
    readers.put("introspection-client-authentication",
        (b, v) -> b.mainIntrospectionSettings.put("client-authentication", v));
    readers.put("introspection-require-signed", (b, v) -> b.mainIntrospectionSettings.put("require-signed", v));
    readers.put("introspection-default-issuer", Builder::introspectionDefaultIssuer);
    readers.put("introspect-jwts", (b, v) -> b.introspectJwts(SettingValues.bool("introspect-jwts", v)));
    readers.put("introspection-connect-timeout",
        (b, v) -> b.introspectionConnectTimeout(SettingValues.duration("introspection-connect-timeout", v)));
    readers.put("introspection-read-timeout",
        (b, v) -> b.introspectionReadTimeout(SettingValues.duration("introspection-read-timeout", v)));
    readers.put("introspection-max-bytes",
        (b, v) -> b.introspectionMaxBytes(SettingValues.positiveInt("introspection-max-bytes", v)));
    readers.put("introspection-cache-max-ttl",
        (b, v) -> b.introspectionCacheMaxTtl(SettingValues.duration("introspection-cache-max-ttl", v)));
    readers.put("introspection-negative-cache-ttl",
        (b, v) -> b.introspectionNegativeCacheTtl(SettingValues.duration("introspection-negative-cache-ttl", v)));
    readers.put("introspection-cache-size",
        (b, v) -> b.introspectionCacheSize(SettingValues.nonNegativeInt("introspection-cache-size", v)));
    readers.put("introspection-max-concurrency",
        (b, v) -> b.introspectionMaxConcurrency(SettingValues.positiveInt("introspection-max-concurrency", v)));
    return readers;
  }

  private static DpopMode dpopMode(String setting, String value) {
    try {
      return DpopMode.valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Setting '" + setting + "' must be off, allowed or required, was '" + value + "'");
    }
  }

  private static URI uri(String setting, String value) {
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("Setting '" + setting + "' must be an http(s) URL, was '" + value + "'");
    }
  }

  private static Path snapshotPath(String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          "Setting 'jwks-snapshot-directory' must be a directory path, was '" + value + "'");
    }
  }

  private static TokenTypePolicy typPolicy(String value) {
    try {
      return TokenTypePolicy.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Setting 'typ-policy' must be lenient or strict, was '" + value + "'");
    }
  }

  /**
   * The issuer set with {@code issuer}, or else the first of {@link #trustedIssuers()}; a token's {@code iss} must
   * equal one of the trusted issuers exactly.
   */
  public String issuer() {
    return issuer != null ? issuer : trustedIssuers.get(0).issuer();
  }

  /** The JWKS URL when set; empty when it is to be discovered from the issuer. */
  public Optional<URI> jwksUri() {
    return Optional.ofNullable(jwksUri);
  }

  /** The accepted audiences; empty only when {@link #allowAnyAudience()}. */
  public Set<String> audiences() {
    return audiences;
  }

  /** Whether the audience check is switched off. */
  public boolean allowAnyAudience() {
    return allowAnyAudience;
  }

  /** The accepted JWS algorithm names, e.g. {@code RS256}. */
  public Set<String> algorithms() {
    return algorithms;
  }

  /** A copy of the HMAC secret, when one is configured. */
  public Optional<byte[]> sharedSecret() {
    return Optional.ofNullable(sharedSecret).map(byte[]::clone);
  }

  /** The tolerance on {@code exp}, {@code nbf} and {@code iat}. */
  public Duration clockSkew() {
    return clockSkew;
  }

  /** Which {@code typ} header values are accepted. */
  public TokenTypePolicy typPolicy() {
    return typPolicy;
  }

  /** The claims the client id is read from, first present wins. */
  public List<String> clientIdClaims() {
    return clientIdClaims;
  }

  /** The claims merged into the scope set. */
  public List<String> scopeClaims() {
    return scopeClaims;
  }

  /** Servlet url-patterns that need no token. */
  public List<String> publicPaths() {
    return publicPaths;
  }

  /** Path rules that require scopes. */
  public List<ScopeRule> scopeRules() {
    return scopeRules;
  }

  /** The realm in {@code WWW-Authenticate}. */
  public String realm() {
    return realm;
  }

  /** The longest token accepted, in characters. */
  public int maxTokenLength() {
    return maxTokenLength;
  }

  /** Connect timeout of discovery and JWKS requests. */
  public Duration jwksConnectTimeout() {
    return jwksConnectTimeout;
  }

  /** With {@link #jwksConnectTimeout()}, the total deadline of a key load (discovery and JWKS). */
  public Duration jwksReadTimeout() {
    return jwksReadTimeout;
  }

  /** The largest discovery or JWKS document accepted, in bytes. */
  public int jwksMaxBytes() {
    return jwksMaxBytes;
  }

  /** How long fetched keys are used when the response carries no {@code Cache-Control: max-age}. */
  public Duration jwksCacheTtl() {
    return jwksCacheTtl;
  }

  /** The least a response's {@code max-age} is raised to. */
  public Duration jwksMinCacheTtl() {
    return jwksMinCacheTtl;
  }

  /** The most a response's {@code max-age} is lowered to. */
  public Duration jwksMaxCacheTtl() {
    return jwksMaxCacheTtl;
  }

  /** At most one refresh for an unknown {@code kid} per this interval, per issuer. */
  public Duration jwksRefreshRateLimit() {
    return jwksRefreshRateLimit;
  }

  /** How long past their expiry the last good keys keep serving while the key server fails. */
  public Duration jwksMaxStaleness() {
    return jwksMaxStaleness;
  }

  /**
   * Every trusted issuer: the one set with {@code issuer} (if any) first, then the {@code issuers[N]} entries, each
   * with its audiences resolved (its own, else {@code audiences}; empty only when {@link #allowAnyAudience()}).
   */
  public List<TrustedIssuer> trustedIssuers() {
    return trustedIssuers;
  }

  /** Whether {@code ?access_token=} is accepted. */
  public boolean allowQueryToken() {
    return allowQueryToken;
  }

  /** Whether {@code access_token} in a form body is accepted. */
  public boolean allowFormToken() {
    return allowFormToken;
  }

  /** How many validated tokens are remembered; 0 when the validated-token cache is off. */
  public int tokenCacheSize() {
    return tokenCacheSize;
  }

  /** The clock that {@code exp}, {@code nbf} and {@code iat} are checked against. */
  public Clock clock() {
    return clock;
  }

  /** How many unknown-kid refreshes may run back to back before the rate limit applies. */
  public int jwksRefreshBurst() {
    return jwksRefreshBurst;
  }

  /** Where the last good keys are saved to survive a restart during an outage; empty when off. */
  public Optional<Path> jwksSnapshotDirectory() {
    return Optional.ofNullable(jwksSnapshotDirectory);
  }

  /**
   * The algorithms a DPoP proof may be signed with.
   *
   * @since 0.1.0
   */
  public Set<String> dpopAlgorithms() {
    return dpopAlgorithms;
  }

  /**
   * How old a DPoP proof's {@code iat} may be.
   *
   * @since 0.1.0
   */
  public Duration dpopProofMaxAge() {
    return dpopProofMaxAge;
  }

  /**
   * The URL clients call this application by, which a DPoP proof's {@code htu} is compared with; empty when the
   * request's own URL is used.
   *
   * @since 0.1.0
   */
  public Optional<URI> dpopExternalBaseUrl() {
    return Optional.ofNullable(dpopExternalBaseUrl);
  }

  /**
   * Where used DPoP proofs are remembered: the one set with {@link Builder#dpopReplayStore}, else an in-process
   * store; empty when no issuer uses DPoP.
   *
   * @since 0.1.0
   */
  public Optional<DpopReplayStore> dpopReplayStore() {
    return Optional.ofNullable(dpopReplayStore);
  }

  /**
   * A copy of the key DPoP nonces are made with, when one is configured.
   *
   * @since 0.1.0
   */
  public Optional<byte[]> dpopNonceSecret() {
    return Optional.ofNullable(dpopNonceSecret).map(byte[]::clone);
  }

  /**
   * How often the DPoP nonce changes.
   *
   * @since 0.1.0
   */
  public Duration dpopNonceRotation() {
    return dpopNonceRotation;
  }

  /**
   * The request header a TLS-terminating proxy forwards the client certificate in; empty when the certificate is read
   * from the TLS connection itself (the servlet request attribute {@code jakarta.servlet.request.X509Certificate}).
   *
   * @since 0.1.0
   */
  public Optional<String> mtlsClientCertificateHeader() {
    return Optional.ofNullable(mtlsClientCertificateHeader);
  }

  /**
   * This API's resource identifier (RFC 9728 §1.2); empty when no protected-resource metadata is served.
   *
   * @since 0.1.0
   */
  public Optional<URI> resourceIdentifier() {
    return Optional.ofNullable(resourceIdentifier);
  }

  /**
   * The introspection of each issuer that has it, by issuer URL, in configuration order; empty when no issuer does.
   *
   * @since 0.1.0
   */
  public Map<String, Introspection> introspection() {
    return introspection;
  }

  /**
   * The issuer whose introspection endpoint opaque tokens are sent to: {@code introspection-default-issuer}, or the
   * only issuer with introspection; empty when none has it.
   *
   * @since 0.1.0
   */
  public Optional<String> introspectionDefaultIssuer() {
    return Optional.ofNullable(introspectionDefaultIssuer);
  }

  /**
   * Whether JWTs that passed local validation are also introspected when their issuer has introspection.
   *
   * @since 0.1.0
   */
  public boolean introspectJwts() {
    return introspectJwts;
  }

  /**
   * Connect timeout of introspection calls.
   *
   * @since 0.1.0
   */
  public Duration introspectionConnectTimeout() {
    return introspectionConnectTimeout;
  }

  /**
   * With {@link #introspectionConnectTimeout()}, the total deadline of one introspection call.
   *
   * @since 0.1.0
   */
  public Duration introspectionReadTimeout() {
    return introspectionReadTimeout;
  }

  /**
   * The largest introspection response accepted, in bytes.
   *
   * @since 0.1.0
   */
  public int introspectionMaxBytes() {
    return introspectionMaxBytes;
  }

  /**
   * The longest an active introspection answer is remembered (never past the token's {@code exp}).
   *
   * @since 0.1.0
   */
  public Duration introspectionCacheMaxTtl() {
    return introspectionCacheMaxTtl;
  }

  /**
   * How long an inactive introspection answer is remembered.
   *
   * @since 0.1.0
   */
  public Duration introspectionNegativeCacheTtl() {
    return introspectionNegativeCacheTtl;
  }

  /**
   * How many introspection answers are remembered; 0 when the result cache is off.
   *
   * @since 0.1.0
   */
  public int introspectionCacheSize() {
    return introspectionCacheSize;
  }

  /**
   * The most introspection calls under way at once; beyond it a token not in the cache is answered 503.
   *
   * @since 0.1.0
   */
  public int introspectionMaxConcurrency() {
    return introspectionMaxConcurrency;
  }

  /**
   * The longest a request waits for keys, in all: a key load's total deadline ({@code jwks-connect-timeout +
   * jwks-read-timeout}, discovery included) plus 0.25 s to hand its keys over. Requests wait only when no usable key
   * is loaded yet, or for a refresh an unknown {@code kid} may trigger; never for a scheduled refresh.
   */
  public Duration jwksMaxWait() {
    return jwksConnectTimeout.plus(jwksReadTimeout).plusMillis(250);
  }

  /** Settings in the form {@link #fromSettings(Map)} reads them; the shared secret is masked. */
  @Override
  public String toString() {
    return "TokenGateConfig[issuer=" + issuer + ", jwks-uri=" + (jwksUri == null ? "(discovered)" : jwksUri)
        + ", audiences=" + audiences + ", allow-any-audience=" + allowAnyAudience + ", algorithms=" + algorithms
        + ", shared-secret=" + (sharedSecret == null ? "(none)" : "(set)") + ", clock-skew=" + clockSkew
        + ", typ-policy=" + typPolicy.name().toLowerCase(Locale.ROOT) + ", public-paths=" + publicPaths
        + ", scope-rules=" + scopeRules.size()
        + (trustedIssuers.size() > 1 || issuer == null ? ", issuers=" + trustedIssuers : "")
        + (dpopReplayStore == null ? "" : ", dpop-modes=" + dpopModes() + ", dpop-algorithms=" + dpopAlgorithms
            + ", dpop-proof-max-age=" + dpopProofMaxAge + ", dpop-external-base-url="
            + (dpopExternalBaseUrl == null ? "(none)" : dpopExternalBaseUrl) + ", dpop-replay-store="
            + dpopReplayStoreName
            + (dpopNonceSecret == null ? "" : ", dpop-nonce-secret=(set), dpop-nonce-rotation=" + dpopNonceRotation))
        + (trustedIssuers.stream().anyMatch(TrustedIssuer::mtlsRequired) ? ", mtls-required=" + trustedIssuers.stream()
            .filter(TrustedIssuer::mtlsRequired).map(TrustedIssuer::issuer).toList() : "")
        + (mtlsClientCertificateHeader == null ? "" : ", mtls-client-certificate-header=" + mtlsClientCertificateHeader)
        + (resourceIdentifier == null ? "" : ", resource-identifier=" + resourceIdentifier)
        + (introspection.isEmpty() ? "" : ", introspection=" + introspection + ", introspection-default-issuer="
            + introspectionDefaultIssuer + ", introspect-jwts=" + introspectJwts + ", introspection-cache-max-ttl="
            + introspectionCacheMaxTtl)
        + "]";
  }

  private Map<String, String> dpopModes() {
    Map<String, String> modes = new LinkedHashMap<>();
    trustedIssuers.forEach(trusted -> modes.put(trusted.issuer(),
        trusted.dpopMode().name().toLowerCase(Locale.ROOT) + (trusted.dpopNonce() ? "+nonce" : "")));
    return modes;
  }

  /** Collects settings; each setter checks its value, {@link #build()} checks how they combine. */
  public static final class Builder {
    private String issuer;
    private URI jwksUri;
    private final Set<String> audiences = new LinkedHashSet<>();
    private boolean allowAnyAudience;
    private Set<String> algorithms = new LinkedHashSet<>(DEFAULT_ALGORITHMS);
    private boolean algorithmsSet;
    private byte[] sharedSecret;
    private Duration clockSkew = Duration.ofSeconds(60);
    private TokenTypePolicy typPolicy = TokenTypePolicy.LENIENT;
    private List<String> clientIdClaims = List.of("client_id", "azp", "cid", "appid", "sub");
    private List<String> scopeClaims = List.of("scope", "scp");
    private final List<String> publicPaths = new ArrayList<>();
    private final List<ScopeRule> scopeRules = new ArrayList<>();
    private String realm = "api";
    private int maxTokenLength = 8192;
    private Duration jwksConnectTimeout = Duration.ofSeconds(2);
    private Duration jwksReadTimeout = Duration.ofSeconds(5);
    private int jwksMaxBytes = 512 * 1024;
    private Duration jwksCacheTtl = Duration.ofMinutes(5);
    private Duration jwksMinCacheTtl = Duration.ofMinutes(1);
    private Duration jwksMaxCacheTtl = Duration.ofHours(1);
    private Duration jwksRefreshRateLimit = Duration.ofSeconds(30);
    private Duration jwksMaxStaleness = Duration.ofHours(24);
    private int jwksRefreshBurst = 2;
    private Path jwksSnapshotDirectory;
    private final List<TrustedIssuer> extraIssuers = new ArrayList<>();
    private boolean allowQueryToken;
    private boolean allowFormToken;
    private int tokenCacheSize = DEFAULT_TOKEN_CACHE_SIZE;
    private Clock clock = Clock.systemUTC();
    private DpopMode dpopMode;
    private Set<String> dpopAlgorithms = new LinkedHashSet<>(DEFAULT_DPOP_ALGORITHMS);
    private boolean dpopAlgorithmsSet;
    private Duration dpopProofMaxAge = Duration.ofSeconds(60);
    private boolean dpopProofMaxAgeSet;
    private URI dpopExternalBaseUrl;
    private int dpopReplayCacheSize = DEFAULT_DPOP_REPLAY_CACHE_SIZE;
    private boolean dpopReplayCacheSizeSet;
    private DpopReplayStore dpopReplayStore;
    private DpopReplayStoreProvider dpopReplayStoreProvider;
    private Map<String, String> dpopReplayStoreSettings = Map.of();
    private boolean dpopReplayStoreNamed;
    /** The store {@link #build()} made with {@link #dpopReplayStoreProvider}. */
    private DpopReplayStore providedReplayStore;
    private boolean dpopNonce;
    private byte[] dpopNonceSecret;
    private Duration dpopNonceRotation = Duration.ofMinutes(5);
    private boolean dpopNonceRotationSet;
    private boolean mtlsRequired;
    private String mtlsClientCertificateHeader;
    private URI resourceIdentifier;
    private final Map<String, Introspection> introspection = new LinkedHashMap<>();
    private Introspection mainIntrospection;
    /** The main issuer's introspection-* settings as fromSettings read them, assembled once all are read. */
    private final Map<String, String> mainIntrospectionSettings = new LinkedHashMap<>();
    private String introspectionDefaultIssuer;
    private boolean introspectJwts;
    private Duration introspectionConnectTimeout = Duration.ofSeconds(2);
    private Duration introspectionReadTimeout = Duration.ofSeconds(3);
    private int introspectionMaxBytes = 64 * 1024;
    private Duration introspectionCacheMaxTtl = Duration.ofSeconds(60);
    private Duration introspectionNegativeCacheTtl = Duration.ofSeconds(10);
    private int introspectionCacheSize = DEFAULT_TOKEN_CACHE_SIZE;
    private int introspectionMaxConcurrency = 16;
    /** Which introspection-wide setting was set, to refuse it when no issuer has introspection. */
    private String introspectionSettingSet;

    private Builder() {}

    /** The issuer URL, e.g. {@code https://login.example.com/realms/api}. Required. */
    public Builder issuer(String issuer) {
      requireNonNull(issuer, "issuer");
      URI uri = uri("issuer", issuer);
      if (!isHttp(uri) || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "Setting 'issuer' must be an absolute http(s) URL such as https://login.example.com, was '" + issuer
                + "'");
      }
      this.issuer = issuer;
      return this;
    }

    /** The JWKS URL; leave unset to discover it from the issuer's metadata. */
    public Builder jwksUri(URI jwksUri) {
      requireNonNull(jwksUri, "jwksUri");
      if (!isHttp(jwksUri) || jwksUri.getHost() == null) {
        throw new IllegalArgumentException(
            "Setting 'jwks-uri' must be an absolute http(s) URL, was '" + jwksUri + "'");
      }
      this.jwksUri = jwksUri;
      return this;
    }

    /** The accepted audiences; the token's {@code aud} must contain at least one. Replaces earlier values. */
    public Builder audiences(String... audiences) {
      return audiences(Arrays.asList(audiences));
    }

    /** The accepted audiences; the token's {@code aud} must contain at least one. Replaces earlier values. */
    public Builder audiences(List<String> audiences) {
      this.audiences.clear();
      for (String audience : audiences) {
        if (audience == null || audience.isBlank()) {
          throw new IllegalArgumentException("Setting 'audiences' must not contain an empty audience");
        }
        this.audiences.add(audience.strip());
      }
      return this;
    }

    /**
     * Switches the audience check off. Only safe when the issuer issues tokens for this API alone: otherwise a token
     * meant for another service would be accepted here.
     */
    public Builder allowAnyAudience(boolean allowAnyAudience) {
      this.allowAnyAudience = allowAnyAudience;
      return this;
    }

    /** The accepted JWS algorithms, e.g. {@code RS256}; replaces the default list. */
    public Builder algorithms(String... algorithms) {
      return algorithms(Arrays.asList(algorithms));
    }

    /** The accepted JWS algorithms, e.g. {@code RS256}; replaces the default list. */
    public Builder algorithms(List<String> algorithms) {
      Set<String> accepted = new LinkedHashSet<>();
      for (String algorithm : algorithms) {
        String name = canonicalAlgorithm(algorithm);
        if (name == null) {
          throw new IllegalArgumentException("Setting 'algorithms' names unknown or unsupported algorithm '"
              + algorithm + "'; supported are " + new TreeSet<>(ASYMMETRIC_ALGORITHMS) + " and, with 'shared-secret', "
              + new TreeSet<>(HMAC_ALGORITHMS));
        }
        accepted.add(name);
      }
      if (accepted.isEmpty()) {
        throw new IllegalArgumentException("Setting 'algorithms' must name at least one algorithm, e.g. RS256");
      }
      this.algorithms = accepted;
      this.algorithmsSet = true;
      return this;
    }

    /** The HMAC secret for HS256/384/512 tokens, at least 32 bytes; those algorithms must also be listed. */
    public Builder sharedSecret(byte[] secret) {
      requireNonNull(secret, "sharedSecret");
      if (secret.length < MIN_SHARED_SECRET_BYTES) {
        throw new IllegalArgumentException("Setting 'shared-secret' must be at least " + MIN_SHARED_SECRET_BYTES
            + " bytes (256 bits) long, was " + secret.length + " bytes");
      }
      this.sharedSecret = secret.clone();
      return this;
    }

    /** The tolerance on {@code exp}, {@code nbf} and {@code iat}; 0 to {@link #MAX_CLOCK_SKEW}, default 60 s. */
    public Builder clockSkew(Duration skew) {
      requireNonNull(skew, "clockSkew");
      if (skew.isNegative() || skew.compareTo(MAX_CLOCK_SKEW) > 0) {
        throw new IllegalArgumentException(
            "Setting 'clock-skew' must be between 0s and " + MAX_CLOCK_SKEW.toMinutes() + "m, was " + skew);
      }
      this.clockSkew = skew;
      return this;
    }

    /** Which {@code typ} header values are accepted; default {@link TokenTypePolicy#LENIENT}. */
    public Builder typPolicy(TokenTypePolicy policy) {
      this.typPolicy = requireNonNull(policy, "typPolicy");
      return this;
    }

    /** The claims the client id is read from, first present wins. */
    public Builder clientIdClaims(List<String> claims) {
      this.clientIdClaims = claimNames("client-id-claims", claims);
      return this;
    }

    /** The claims merged into the scope set, e.g. {@code scope scp roles}. */
    public Builder scopeClaims(List<String> claims) {
      this.scopeClaims = claimNames("scope-claims", claims);
      return this;
    }

    /**
     * Servlet url-patterns that need no token, e.g. {@code /health} or {@code /public/*}. Adds to earlier ones.
     *
     * @throws IllegalArgumentException naming the pattern and the fix, when it can never match (e.g. {@code /api/**})
     */
    public Builder publicPaths(List<String> patterns) {
      for (String pattern : patterns) {
        if (pattern == null || !(pattern.startsWith("/") || pattern.startsWith("*."))) {
          throw new IllegalArgumentException(
              "Setting 'public-paths' entries must start with '/' or '*.', was '" + pattern + "'");
        }
        if (pattern.equals("/")) {
          // As a servlet mapping '/' is the default servlet, which matches every path: read as "the root page" it
          // would silently open the whole application.
          throw new IllegalArgumentException("Setting 'public-paths' entry '/' would make every path public (in"
              + " servlet url-patterns '/' is the default mapping, which matches everything); write '/*' to open"
              + " every path on purpose, or name the page, e.g. '/index.html'");
        }
        reachable("Setting 'public-paths' entry '" + pattern + "' ", pattern);
        this.publicPaths.add(pattern);
      }
      return this;
    }

    /** Servlet url-patterns that need no token, e.g. {@code /health} or {@code /public/*}. Adds to earlier ones. */
    public Builder publicPaths(String... patterns) {
      return publicPaths(Arrays.asList(patterns));
    }

    /**
     * Adds a path rule that requires scopes.
     *
     * @throws IllegalArgumentException naming the rule and the fix, when its pattern can never match
     */
    public Builder scopeRule(ScopeRule rule) {
      requireNonNull(rule, "rule");
      reachable("Setting 'scope-rules' rule '" + (rule.method() == null ? "" : rule.method() + " ")
          + rule.pathPattern() + "' ", rule.pathPattern());
      this.scopeRules.add(rule);
      return this;
    }

    /** A pattern that can never match would leave its paths unguarded (a rule) or closed (a public path) silently. */
    private static void reachable(String setting, String pattern) {
      try {
        PathPattern.of(pattern);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(setting + e.getMessage(), e);
      }
    }

    /** Adds a path rule in settings syntax, e.g. {@code GET /api/countries/*=countries:read}. */
    public Builder scopeRule(String rule) {
      return scopeRule(ScopeRule.parse(requireNonNull(rule, "rule")));
    }

    /** The realm in {@code WWW-Authenticate}; default {@code api}. */
    public Builder realm(String realm) {
      requireNonNull(realm, "realm");
      if (realm.isEmpty() || !realm.chars().allMatch(c -> c >= 0x20 && c <= 0x7e && c != '"' && c != '\\')) {
        throw new IllegalArgumentException(
            "Setting 'realm' must be printable ASCII without quotes or backslashes, was '" + realm + "'");
      }
      this.realm = realm;
      return this;
    }

    /** The longest token accepted, in characters; default 8192. */
    public Builder maxTokenLength(int maxTokenLength) {
      if (maxTokenLength < 64 || maxTokenLength > 1_048_576) {
        throw new IllegalArgumentException(
            "Setting 'max-token-length' must be between 64 and 1048576, was " + maxTokenLength);
      }
      this.maxTokenLength = maxTokenLength;
      return this;
    }

    /** Connect timeout of discovery and JWKS requests; default 2 s. */
    public Builder jwksConnectTimeout(Duration timeout) {
      this.jwksConnectTimeout = timeout("jwks-connect-timeout", timeout);
      return this;
    }

    /**
     * The rest of a key load's total deadline, 1 ms to 1 min; default 5 s. A load (discovery, then the JWKS:
     * connect, response headers and body, redirects included) ends within {@code jwksConnectTimeout + this} however
     * slowly the key server sends, and a request waits for keys at most that plus 0.25 s (see {@link
     * TokenGateConfig#jwksMaxWait()}).
     */
    public Builder jwksReadTimeout(Duration timeout) {
      this.jwksReadTimeout = timeout("jwks-read-timeout", timeout);
      return this;
    }

    /** The largest discovery or JWKS document accepted, in bytes, 1 KiB to 16 MiB; default 512 KiB. */
    public Builder jwksMaxBytes(int maxBytes) {
      if (maxBytes < 1024 || maxBytes > 16 * 1024 * 1024) {
        throw new IllegalArgumentException(
            "Setting 'jwks-max-bytes' must be between 1024 and 16777216, was " + maxBytes);
      }
      this.jwksMaxBytes = maxBytes;
      return this;
    }

    /**
     * How long fetched keys are used when the response has no {@code Cache-Control: max-age}, 1 s to 7 days; default
     * 5 min. The keys are refreshed in the background at three quarters of it, so requests never wait.
     */
    public Builder jwksCacheTtl(Duration ttl) {
      this.jwksCacheTtl = between("jwks-cache-ttl", ttl, Duration.ofSeconds(1), Duration.ofDays(7));
      return this;
    }

    /** The least a response's {@code max-age} is raised to, 1 s to 7 days; default 1 min. */
    public Builder jwksMinCacheTtl(Duration ttl) {
      this.jwksMinCacheTtl = between("jwks-min-cache-ttl", ttl, Duration.ofSeconds(1), Duration.ofDays(7));
      return this;
    }

    /** The most a response's {@code max-age} is lowered to, 1 s to 7 days; default 1 h. */
    public Builder jwksMaxCacheTtl(Duration ttl) {
      this.jwksMaxCacheTtl = between("jwks-max-cache-ttl", ttl, Duration.ofSeconds(1), Duration.ofDays(7));
      return this;
    }

    /**
     * After the {@link #jwksRefreshBurst(int) burst}, one refresh for an unknown {@code kid} per this interval, per
     * issuer, 1 s to 1 h; default 30 s. A token with an unknown kid meanwhile is answered at once: 503 with {@code
     * Retry-After} until the refresh scheduled for the moment the limit allows, then 401 if that refresh did not
     * bring its key.
     */
    public Builder jwksRefreshRateLimit(Duration interval) {
      this.jwksRefreshRateLimit = between("jwks-refresh-rate-limit", interval, Duration.ofSeconds(1),
          Duration.ofHours(1));
      return this;
    }

    /**
     * How long past their expiry the last good keys keep serving while the key server fails, 0 to 30 days; default
     * 24 h. Beyond it, tokens of that issuer are answered 503 until the keys can be fetched again.
     */
    public Builder jwksMaxStaleness(Duration staleness) {
      this.jwksMaxStaleness = between("jwks-max-staleness", staleness, Duration.ZERO, Duration.ofDays(30));
      return this;
    }

    /**
     * Adds a trusted issuer with its own audiences and JWKS (settings {@code issuers[N].issuer}, {@code
     * issuers[N].audiences}, {@code issuers[N].jwks-uri}). Combines with {@link #issuer(String)}, which stays the
     * simple way to trust one issuer.
     */
    public Builder trustedIssuer(TrustedIssuer trustedIssuer) {
      this.extraIssuers.add(requireNonNull(trustedIssuer, "trustedIssuer"));
      return this;
    }

    /** Replaces the trusted issuers added with {@link #trustedIssuer(TrustedIssuer)}. */
    public Builder trustedIssuers(List<TrustedIssuer> trustedIssuers) {
      requireNonNull(trustedIssuers, "trustedIssuers");
      this.extraIssuers.clear();
      trustedIssuers.forEach(this::trustedIssuer);
      return this;
    }

    /** Whether {@code ?access_token=} is accepted; default false, since URLs end up in logs. */
    public Builder allowQueryToken(boolean allow) {
      this.allowQueryToken = allow;
      return this;
    }

    /** Whether {@code access_token} in an {@code application/x-www-form-urlencoded} body is accepted. */
    public Builder allowFormToken(boolean allow) {
      this.allowFormToken = allow;
      return this;
    }

    /**
     * How many validated tokens are remembered, each until its {@code exp}, so that a token sent again skips the
     * signature check; default 10000, 0 switches the cache off. Each entry holds the token and its claims, about
     * 6 KB of heap for a typical token (10,000 entries, about 60 MB). A remembered token is still checked against
     * {@code exp} and {@code nbf} on every use, and forgotten when the issuer removes the key that signed it.
     */
    public Builder tokenCacheSize(int size) {
      if (size < 0 || size > MAX_TOKEN_CACHE_SIZE) {
        throw new IllegalArgumentException(
            "Setting 'token-cache-size' must be between 0 (off) and " + MAX_TOKEN_CACHE_SIZE + ", was " + size);
      }
      this.tokenCacheSize = size;
      return this;
    }

    /** The clock time checks use; for tests. Default {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How many refreshes for unknown {@code kid}s may run back to back, 1 to 10; default 2, so that a second
     * rotation right after a first one (or a rotation right after one forged kid) costs no caller a failure. Beyond
     * it, one refresh per {@link #jwksRefreshRateLimit(Duration)}: over any time {@code T}, at most {@code burst +
     * T / interval} such refreshes.
     */
    public Builder jwksRefreshBurst(int burst) {
      if (burst < 1 || burst > 10) {
        throw new IllegalArgumentException("Setting 'jwks-refresh-burst' must be between 1 and 10, was " + burst);
      }
      this.jwksRefreshBurst = burst;
      return this;
    }

    /**
     * A directory where the last good JWKS of each issuer is saved (atomically) after every successful fetch, with
     * its fetch time; default none. At start-up, and only when the key server cannot be reached, the saved keys
     * serve as if just fetched at that time: within {@link #jwksMaxStaleness(Duration)} of it, never in preference
     * to a live fetch. A corrupt or foreign file is ignored with a WARN. The directory is created when missing; it
     * holds public keys only.
     */
    public Builder jwksSnapshotDirectory(Path directory) {
      requireNonNull(directory, "jwksSnapshotDirectory");
      if (Files.exists(directory) && !Files.isDirectory(directory)) {
        throw new IllegalArgumentException(
            "Setting 'jwks-snapshot-directory' must be a directory, was the file '" + directory + "'");
      }
      this.jwksSnapshotDirectory = directory;
      return this;
    }

    /**
     * Whether tokens of the issuer set with {@link #issuer(String)} may or must be DPoP-bound (setting {@code
     * dpop-mode}); default {@link DpopMode#OFF}. Issuers added with {@link #trustedIssuer(TrustedIssuer)} have their
     * own, {@link TrustedIssuer#withDpopMode(DpopMode)}.
     *
     * @since 0.1.0
     */
    public Builder dpopMode(DpopMode mode) {
      this.dpopMode = requireNonNull(mode, "dpopMode");
      return this;
    }

    /**
     * The algorithms a DPoP proof may be signed with, asymmetric only; replaces the default ES256 ES384 ES512 PS256
     * PS384 PS512 RS256 RS384 RS512. {@code EdDSA} and {@code Ed25519} (RFC 9864's fully specified name) accept
     * proofs by an Ed25519 key ({@code kty} OKP, {@code crv} Ed25519), checked with the JDK's own Ed25519; they are
     * not in the default, so list them to accept them.
     *
     * @since 0.1.0
     */
    public Builder dpopAlgorithms(List<String> algorithms) {
      requireNonNull(algorithms, "dpopAlgorithms");
      Set<String> accepted = new LinkedHashSet<>();
      for (String algorithm : algorithms) {
        String name = algorithm == null ? null : DPOP_ALGORITHMS.stream()
            .filter(known -> known.equalsIgnoreCase(algorithm.strip())).findFirst().orElse(null);
        if (name == null) {
          throw new IllegalArgumentException("Setting 'dpop-algorithms' names unknown or unsupported algorithm '"
              + algorithm + "'; supported are " + SUPPORTED_DPOP_ALGORITHMS);
        }
        accepted.add(name);
      }
      if (accepted.isEmpty()) {
        throw new IllegalArgumentException("Setting 'dpop-algorithms' must name at least one algorithm");
      }
      this.dpopAlgorithms = accepted;
      this.dpopAlgorithmsSet = true;
      return this;
    }

    /**
     * How old a DPoP proof's {@code iat} may be, 1 s to 10 min; default 60 s. A proof may also be at most {@link
     * #clockSkew(Duration) clock-skew} in the future. Each proof's {@code jti} is remembered that long.
     *
     * @since 0.1.0
     */
    public Builder dpopProofMaxAge(Duration maxAge) {
      this.dpopProofMaxAge = between("dpop-proof-max-age", maxAge, Duration.ofSeconds(1), Duration.ofMinutes(10));
      this.dpopProofMaxAgeSet = true;
      return this;
    }

    /**
     * The URL clients call this application by, e.g. {@code https://api.example.com} or {@code
     * https://example.com/orders-api}, for an application behind a reverse proxy whose container does not see the
     * external scheme and host (no forwarded-header handling in the container). A DPoP proof's {@code htu} must then
     * equal this URL followed by the request's path (its request URI, context path included). Default none: the
     * request's own URL as the container reports it.
     *
     * @since 0.1.0
     */
    public Builder dpopExternalBaseUrl(URI baseUrl) {
      requireNonNull(baseUrl, "dpopExternalBaseUrl");
      if (!isHttp(baseUrl) || baseUrl.getHost() == null || baseUrl.getRawQuery() != null
          || baseUrl.getRawFragment() != null || baseUrl.getRawUserInfo() != null) {
        throw new IllegalArgumentException("Setting 'dpop-external-base-url' must be an absolute http(s) URL without"
            + " user info, query or fragment, such as https://api.example.com, was '" + baseUrl + "'");
      }
      this.dpopExternalBaseUrl = baseUrl;
      return this;
    }

    /**
     * How many used DPoP proofs the in-process replay store remembers, 1 to 10,000,000; default 100,000 (about
     * 15 MB). Size it to the most proofs this instance accepts within {@link #dpopProofMaxAge(Duration)}: beyond
     * it the least used entries are dropped early, and their proofs could be replayed until they are too old.
     *
     * @since 0.1.0
     */
    public Builder dpopReplayCacheSize(int size) {
      if (size < 1 || size > MAX_TOKEN_CACHE_SIZE) {
        throw new IllegalArgumentException(
            "Setting 'dpop-replay-cache-size' must be between 1 and " + MAX_TOKEN_CACHE_SIZE + ", was " + size);
      }
      this.dpopReplayCacheSize = size;
      this.dpopReplayCacheSizeSet = true;
      return this;
    }

    /**
     * Where used DPoP proofs are remembered, e.g. a store shared by every instance of the application
     * ({@code tokengate-redis}); default an in-process store of {@link #dpopReplayCacheSize(int)} entries.
     *
     * @since 0.1.0
     */
    public Builder dpopReplayStore(DpopReplayStore store) {
      this.dpopReplayStore = requireNonNull(store, "dpopReplayStore");
      return this;
    }

    /**
     * Where used DPoP proofs are remembered, chosen by name (setting {@code dpop-replay-store}): {@code in-process},
     * the default, or the {@link DpopReplayStoreProvider#name() name} of a provider on the class path, e.g. {@code
     * redis} from {@code tokengate-redis}, with that provider's settings, e.g. {@code redis.uri}. {@link #build()}
     * makes the store; the {@link TokenValidator} using the configuration closes it.
     *
     * @param name {@code in-process} or a provider's name
     * @param settings the provider's settings by name (blank values are ignored); empty for {@code in-process}
     * @throws IllegalArgumentException naming the setting and the fix: no provider of that name on the class path
     *     (the module missing), or a setting the provider does not read
     * @since 0.1.0
     */
    public Builder dpopReplayStore(String name, Map<String, String> settings) {
      requireNonNull(name, "name");
      requireNonNull(settings, "settings");
      String chosen = name.strip().toLowerCase(Locale.ROOT);
      DpopReplayStoreProvider provider = chosen.equals(IN_PROCESS) ? null : replayStoreProvider(chosen);
      Map<String, String> kept = new LinkedHashMap<>();
      for (Map.Entry<String, String> setting : settings.entrySet()) {
        String key = requireNonNull(setting.getKey(), "setting name");
        if (setting.getValue() == null || setting.getValue().isBlank()) {
          continue;
        }
        if (provider == null) {
          String store = key.substring(0, Math.max(0, key.indexOf('.')));
          throw new IllegalArgumentException("Setting '" + key + "' is set but 'dpop-replay-store' is in-process,"
              + " which reads no settings: set 'dpop-replay-store' to " + (store.isEmpty() ? "the store that reads"
              + " it" : store) + ", or remove '" + key + "'");
        }
        if (!provider.settingNames().contains(key)) {
          throw new IllegalArgumentException("Unknown setting '" + key + "'; the " + provider.name()
              + " DPoP replay store reads " + new TreeSet<>(provider.settingNames()));
        }
        kept.put(key, setting.getValue().strip());
      }
      this.dpopReplayStoreProvider = provider;
      this.dpopReplayStoreSettings = Map.copyOf(kept);
      this.dpopReplayStoreNamed = true;
      return this;
    }

    private static DpopReplayStoreProvider replayStoreProvider(String name) {
      Set<String> found = new TreeSet<>();
      // The filter's own loader first (a webapp's WEB-INF/lib, the class path, a module layer), then the thread's.
      for (ClassLoader loader : new ClassLoader[] {
          TokenGateConfig.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
        if (loader == null) {
          continue;
        }
        for (DpopReplayStoreProvider provider : ServiceLoader.load(DpopReplayStoreProvider.class, loader)) {
          if (provider.name().equals(name)) {
            return provider;
          }
          found.add(provider.name());
        }
      }
      found.add(IN_PROCESS);
      throw new IllegalArgumentException("Setting 'dpop-replay-store' is '" + name + "', but no DPoP replay store of"
          + " that name is on the class path (found " + found + "): "
          + (name.equals("redis") ? "add the dependency dev.tokengate:tokengate-redis"
              : "add the module that provides it, or correct the name")
          + ", or remove the setting to keep the in-process store");
    }

    /**
     * Whether DPoP proofs for tokens of the issuer set with {@link #issuer(String)} must carry a nonce this server
     * issued (setting {@code dpop-nonce}, RFC 9449 §9); default false. Needs {@link #dpopNonceSecret(byte[])}.
     * Issuers added with {@link #trustedIssuer(TrustedIssuer)} have their own, {@link
     * TrustedIssuer#withDpopNonce(boolean)}.
     *
     * @since 0.1.0
     */
    public Builder dpopNonce(boolean required) {
      this.dpopNonce = required;
      return this;
    }

    /**
     * The key DPoP nonces are made with: an HMAC-SHA256 of the current time step, so nonces need no state, and every
     * instance with the same key accepts another's. At least 32 bytes; keep it secret (a client that knew it could
     * make nonces for the future).
     *
     * @since 0.1.0
     */
    public Builder dpopNonceSecret(byte[] secret) {
      requireNonNull(secret, "dpopNonceSecret");
      if (secret.length < MIN_SHARED_SECRET_BYTES) {
        throw new IllegalArgumentException("Setting 'dpop-nonce-secret' must be at least " + MIN_SHARED_SECRET_BYTES
            + " bytes, was " + secret.length);
      }
      this.dpopNonceSecret = secret.clone();
      return this;
    }

    /**
     * How often the DPoP nonce changes, 10 s to 1 h; default 5 min. The current and the previous nonce are accepted,
     * so a nonce serves between one and two rotations.
     *
     * @since 0.1.0
     */
    public Builder dpopNonceRotation(Duration rotation) {
      this.dpopNonceRotation = between("dpop-nonce-rotation", rotation, Duration.ofSeconds(10), Duration.ofHours(1));
      this.dpopNonceRotationSet = true;
      return this;
    }

    /**
     * Whether tokens of the issuer set with {@link #issuer(String)} must be certificate-bound (setting {@code
     * mtls-required}, RFC 8705 §3); default false. When true, a token of that issuer without a {@code cnf.x5t#S256}
     * claim is refused with 401 {@code invalid_token}. A token that is certificate-bound is checked against the
     * request's TLS client certificate whatever this says. Issuers added with {@link #trustedIssuer(TrustedIssuer)}
     * have their own, {@link TrustedIssuer#withMtlsRequired(boolean)}.
     *
     * @since 0.1.0
     */
    public Builder mtlsRequired(boolean required) {
      this.mtlsRequired = required;
      return this;
    }

    /**
     * Token introspection (RFC 7662) for the opaque tokens of the issuer set with {@link #issuer(String)}; default
     * none. See {@link Introspection}.
     *
     * @since 0.1.0
     */
    public Builder introspection(Introspection introspection) {
      this.mainIntrospection = requireNonNull(introspection, "introspection");
      return this;
    }

    /**
     * The request header a TLS-terminating reverse proxy puts the client's certificate in (setting {@code
     * mtls-client-certificate-header}); default none: the certificate is read from the request's own TLS connection
     * (the servlet attribute {@code jakarta.servlet.request.X509Certificate}), which needs the container itself to
     * ask for client certificates.
     *
     * <p>When set, only this header is read, never the connection's certificate (which would then be the proxy's own),
     * and it must hold exactly one certificate, in one of two forms: the URL-encoded PEM of nginx's {@code
     * $ssl_client_escaped_cert} and Envoy's {@code %DOWNSTREAM_PEER_CERT%} ({@code -----BEGIN%20CERTIFICATE-----...},
     * percent-decoding only: a {@code +} stays a {@code +}), or RFC 9440's {@code Client-Cert} form, the base64 DER
     * between colons ({@code :MIIB...:}). An empty value means the client presented none. Anything else, or the
     * header twice, refuses a certificate-bound token with 401 {@code invalid_token}.
     *
     * <p><b>Only set this when every request reaches the application through that proxy, and the proxy sets the
     * header itself or removes it from what clients send</b>: otherwise a client could write any certificate into it,
     * and a stolen certificate-bound token would work with the victim's public certificate.
     *
     * @param name the header's name, e.g. {@code X-Client-Cert} or {@code Client-Cert}
     * @since 0.1.0
     */
    public Builder mtlsClientCertificateHeader(String name) {
      requireNonNull(name, "mtlsClientCertificateHeader");
      String header = name.strip();
      if (header.isEmpty() || !header.chars().allMatch(Builder::isTokenChar)) {
        throw new IllegalArgumentException("Setting 'mtls-client-certificate-header' must be an HTTP header name"
            + " such as X-Client-Cert, was '" + name + "'");
      }
      if (Set.of("authorization", "dpop", "cookie", "host", "content-length", "content-type", "transfer-encoding")
          .contains(header.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("Setting 'mtls-client-certificate-header' must name a header of its own,"
            + " set by the TLS-terminating proxy, such as X-Client-Cert; '" + header + "' carries something else");
      }
      this.mtlsClientCertificateHeader = header;
      return this;
    }

    /**
     * Token introspection (RFC 7662) for the opaque tokens of {@code issuer}, which must be one of the trusted
     * issuers (checked by {@link #build()}). See {@link Introspection}.
     *
     * @since 0.1.0
     */
    public Builder introspection(String issuer, Introspection introspection) {
      requireNonNull(issuer, "issuer");
      requireNonNull(introspection, "introspection");
      this.introspection.put(issuer, introspection);
      return this;
    }

    /**
     * This API's resource identifier (setting {@code resource-identifier}, RFC 9728 §1.2): the URL clients call it by,
     * e.g. {@code https://api.example.com} or {@code https://api.example.com/orders}; default none. When set, the
     * filter serves the API's protected-resource metadata (RFC 9728 §3) at the identifier's well-known URL, {@code
     * /.well-known/oauth-protected-resource} between its host and its path ({@code
     * https://api.example.com/.well-known/oauth-protected-resource/orders}), for {@code GET} and {@code HEAD} to that
     * exact path, without a token; and every {@code WWW-Authenticate} challenge names that URL in {@code
     * resource_metadata} (§5.1). The well-known path must lie within the application (deployed at the root, or under
     * a context path that begins it), else {@link TokenGateFilter#init} fails. RFC 9728 asks for an {@code https}
     * identifier; {@code http} is accepted for tests on loopback.
     *
     * @since 0.1.0
     */
    public Builder resourceIdentifier(URI identifier) {
      requireNonNull(identifier, "resourceIdentifier");
      if (!isHttp(identifier) || identifier.getHost() == null || identifier.getRawQuery() != null
          || identifier.getRawFragment() != null || identifier.getRawUserInfo() != null
          || (identifier.getRawPath() != null && (identifier.getRawPath().contains("%")
              || identifier.getRawPath().contains(";") || identifier.getRawPath().contains("//")
              || identifier.getRawPath().contains("/.")))) {
        throw new IllegalArgumentException("Setting 'resource-identifier' must be an absolute https URL without user"
            + " info, query, fragment or encoded characters, such as https://api.example.com, was '" + identifier
            + "'");
      }
      this.resourceIdentifier = identifier;
      return this;
    }

    /** RFC 9110 §5.6.2 {@code tchar}: the characters of a header name. */
    private static boolean isTokenChar(int c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /**
     * The issuer whose introspection endpoint opaque tokens are sent to, when several issuers have introspection (an
     * opaque token does not name its issuer). Default: the only issuer with introspection.
     *
     * @since 0.1.0
     */
    public Builder introspectionDefaultIssuer(String issuer) {
      this.introspectionDefaultIssuer = requireNonNull(issuer, "introspectionDefaultIssuer");
      return this;
    }

    /**
     * Whether a JWT that passed local validation is also introspected when its issuer has introspection; default
     * false. True sees a revoked JWT within {@link #introspectionCacheMaxTtl(Duration)}, at the cost of a call per new
     * token.
     *
     * @since 0.1.0
     */
    public Builder introspectJwts(boolean introspect) {
      this.introspectJwts = introspect;
      if (introspect) {
        introspectionSettingSet = "introspect-jwts";
      }
      return this;
    }

    /**
     * Connect timeout of introspection calls, 1 ms to 1 min; default 2 s.
     *
     * @since 0.1.0
     */
    public Builder introspectionConnectTimeout(Duration timeout) {
      this.introspectionConnectTimeout = timeout("introspection-connect-timeout", timeout);
      introspectionSettingSet = "introspection-connect-timeout";
      return this;
    }

    /**
     * With the connect timeout, the total deadline of one introspection call (connect, headers and body, however
     * slowly the endpoint sends them), 1 ms to 1 min; default 3 s. A request waits for its answer at most both plus
     * 0.25 s, then is answered 503.
     *
     * @since 0.1.0
     */
    public Builder introspectionReadTimeout(Duration timeout) {
      this.introspectionReadTimeout = timeout("introspection-read-timeout", timeout);
      introspectionSettingSet = "introspection-read-timeout";
      return this;
    }

    /**
     * The largest introspection response accepted, 1 KiB to 1 MiB; default 64 KiB. A larger one is a failed call (503).
     *
     * @since 0.1.0
     */
    public Builder introspectionMaxBytes(int maxBytes) {
      if (maxBytes < 1024 || maxBytes > 1024 * 1024) {
        throw new IllegalArgumentException(
            "Setting 'introspection-max-bytes' must be between 1024 and 1048576, was " + maxBytes);
      }
      this.introspectionMaxBytes = maxBytes;
      introspectionSettingSet = "introspection-max-bytes";
      return this;
    }

    /**
     * The longest an active introspection answer is remembered, 0 to 1 h; default 60 s. An answer is never remembered
     * past the token's {@code exp}. This is the revocation delay: <b>a token revoked at the authorization server keeps
     * being accepted here for up to this long</b>. 0 asks the endpoint for every request.
     *
     * @since 0.1.0
     */
    public Builder introspectionCacheMaxTtl(Duration ttl) {
      this.introspectionCacheMaxTtl = between("introspection-cache-max-ttl", ttl, Duration.ZERO, Duration.ofHours(1));
      introspectionSettingSet = "introspection-cache-max-ttl";
      return this;
    }

    /**
     * How long an inactive introspection answer is remembered, 0 to 5 min; default 10 s: the same unknown or revoked
     * token sent again is refused without a call meanwhile.
     *
     * @since 0.1.0
     */
    public Builder introspectionNegativeCacheTtl(Duration ttl) {
      this.introspectionNegativeCacheTtl =
          between("introspection-negative-cache-ttl", ttl, Duration.ZERO, Duration.ofMinutes(5));
      introspectionSettingSet = "introspection-negative-cache-ttl";
      return this;
    }

    /**
     * How many introspection answers are remembered, 0 to 10,000,000; default 10,000. Keyed by the SHA-256 of the
     * token, never the token. 0 remembers none.
     *
     * @since 0.1.0
     */
    public Builder introspectionCacheSize(int size) {
      if (size < 0 || size > MAX_TOKEN_CACHE_SIZE) {
        throw new IllegalArgumentException(
            "Setting 'introspection-cache-size' must be between 0 and " + MAX_TOKEN_CACHE_SIZE + ", was " + size);
      }
      this.introspectionCacheSize = size;
      introspectionSettingSet = "introspection-cache-size";
      return this;
    }

    /**
     * The most introspection calls under way at once, 1 to 1000; default 16. While that many are under way, a token
     * neither cached nor already being introspected is answered 503 with {@code Retry-After: 1}: a flood of made-up
     * opaque tokens costs the endpoint at most this many concurrent calls, and no unbounded queue of waiting
     * requests.
     *
     * @since 0.1.0
     */
    public Builder introspectionMaxConcurrency(int calls) {
      if (calls < 1 || calls > MAX_INTROSPECTION_CONCURRENCY) {
        throw new IllegalArgumentException("Setting 'introspection-max-concurrency' must be between 1 and "
            + MAX_INTROSPECTION_CONCURRENCY + ", was " + calls);
      }
      this.introspectionMaxConcurrency = calls;
      introspectionSettingSet = "introspection-max-concurrency";
      return this;
    }

    /** Assembles the main issuer's {@code introspection-*} settings that {@link #fromSettings} collected. */
    void mainIntrospectionFromSettings() {
      introspectionFrom("", mainIntrospectionSettings.getOrDefault("endpoint", ""),
          mainIntrospectionSettings.getOrDefault("client-id", ""),
          mainIntrospectionSettings.getOrDefault("client-secret", ""),
          mainIntrospectionSettings.getOrDefault("client-authentication", ""),
          mainIntrospectionSettings.getOrDefault("require-signed", ""))
          .ifPresent(this::introspection);
    }

    /**
     * Checks that the settings fit together and builds the configuration.
     *
     * @throws IllegalStateException naming the setting and the fix, when a required setting is missing or two
     *     settings contradict each other
     */
    public TokenGateConfig build() {
      if (issuer == null && extraIssuers.isEmpty()) {
        throw new IllegalStateException("Setting 'issuer' is required: set it to your authorization server's issuer"
            + " URL, exactly as it appears in the tokens' 'iss' claim, e.g. https://login.example.com/realms/api");
      }
      Set<String> seen = new LinkedHashSet<>();
      if (issuer != null) {
        seen.add(issuer);
      }
      for (int i = 0; i < extraIssuers.size(); i++) {
        TrustedIssuer entry = extraIssuers.get(i);
        if (!seen.add(entry.issuer())) {
          throw new IllegalStateException("Setting 'issuers[" + i + "].issuer' repeats the trusted issuer '"
              + entry.issuer() + "': list each issuer once");
        }
        if (entry.audiences().isEmpty() && audiences.isEmpty() && !allowAnyAudience) {
          throw new IllegalStateException("Setting 'issuers[" + i + "].audiences' is required: set it to the audience"
              + " this issuer puts in tokens for this API, or set 'audiences' for every issuer");
        }
      }
      if (issuer != null && audiences.isEmpty() && !allowAnyAudience) {
        throw new IllegalStateException("Setting 'audiences' is required: set it to the audience your issuer puts"
            + " in tokens for this API (the 'aud' claim), or set 'allow-any-audience' to true if this issuer issues"
            + " tokens for this API alone");
      }
      if (jwksMinCacheTtl.compareTo(jwksMaxCacheTtl) > 0) {
        throw new IllegalStateException("Setting 'jwks-min-cache-ttl' (" + jwksMinCacheTtl + ") is longer than"
            + " 'jwks-max-cache-ttl' (" + jwksMaxCacheTtl + "): make the minimum at most the maximum");
      }
      if (!audiences.isEmpty() && allowAnyAudience) {
        throw new IllegalStateException(
            "Settings 'audiences' and 'allow-any-audience' contradict each other: remove one of them");
      }
      boolean hmacListed = algorithms.stream().anyMatch(HMAC_ALGORITHMS::contains);
      if (hmacListed && sharedSecret == null) {
        throw new IllegalStateException("Setting 'algorithms' lists an HS* algorithm but 'shared-secret' is not set:"
            + " set the secret your issuer signs with, or remove HS256/HS384/HS512 from 'algorithms'");
      }
      if (sharedSecret != null && !hmacListed) {
        throw new IllegalStateException("Setting 'shared-secret' is set but 'algorithms' lists no HS256, HS384 or"
            + " HS512" + (algorithmsSet ? "" : " (the default list is asymmetric only)")
            + ": add the HS algorithm your issuer signs with to 'algorithms'");
      }
      checkDpopSettings();
      if (mtlsRequired && issuer == null) {
        throw new IllegalStateException("Setting 'mtls-required' applies to the issuer set with 'issuer', which is not"
            + " set: set 'issuers[N].mtls-required' for each issuer whose tokens must be certificate-bound");
      }
      checkIntrospectionSettings();
      providedReplayStore = null;
      if (dpopReplayStoreProvider != null) {
        // Made last, once every other setting is known good, so that a refused configuration leaves no connection.
        try {
          providedReplayStore = requireNonNull(dpopReplayStoreProvider.create(dpopReplayStoreSettings),
              "the " + dpopReplayStoreProvider.name() + " DPoP replay store");
        } catch (IllegalArgumentException e) {
          throw e;
        } catch (RuntimeException e) {
          throw new IllegalStateException("Setting 'dpop-replay-store': the " + dpopReplayStoreProvider.name()
              + " DPoP replay store could not be made: " + e.getMessage(), e);
        }
      }
      return new TokenGateConfig(this);
    }

    private void checkIntrospectionSettings() {
      if (mainIntrospection != null) {
        if (issuer == null) {
          throw new IllegalStateException("Setting 'introspection-client-id' applies to the issuer set with 'issuer',"
              + " which is not set: set 'issuers[N].introspection-client-id' for each issuer with introspection");
        }
        if (introspection.containsKey(issuer)) {
          throw new IllegalStateException("Introspection for issuer '" + issuer + "' is set twice: set"
              + " 'introspection-*' or introspection(issuer, ...), not both");
        }
        Map<String, Introspection> ordered = new LinkedHashMap<>();
        ordered.put(issuer, mainIntrospection);
        ordered.putAll(introspection);
        introspection.clear();
        introspection.putAll(ordered);
        mainIntrospection = null;
      }
      Set<String> trusted = new LinkedHashSet<>();
      if (issuer != null) {
        trusted.add(issuer);
      }
      extraIssuers.forEach(entry -> trusted.add(entry.issuer()));
      for (String introspected : introspection.keySet()) {
        if (!trusted.contains(introspected)) {
          throw new IllegalStateException("Introspection is set for '" + introspected + "', which is not a trusted"
              + " issuer: add it with 'issuer' or 'issuers[N].issuer', or remove its introspection");
        }
      }
      if (introspection.isEmpty()) {
        String stray = introspectionDefaultIssuer != null ? "introspection-default-issuer" : introspectionSettingSet;
        if (stray != null) {
          throw new IllegalStateException("Setting '" + stray + "' is set but no issuer has introspection: set"
              + " 'introspection-client-id' and 'introspection-client-secret' (or 'issuers[N].introspection-...'),"
              + " or remove '" + stray + "'");
        }
        return;
      }
      if (introspectionDefaultIssuer != null && !introspection.containsKey(introspectionDefaultIssuer)) {
        throw new IllegalStateException("Setting 'introspection-default-issuer' names '" + introspectionDefaultIssuer
            + "', which has no introspection: set it to one of " + introspection.keySet());
      }
      if (introspectionDefaultIssuer == null && introspection.size() > 1) {
        throw new IllegalStateException("Setting 'introspection-default-issuer' is required when several issuers"
            + " have introspection (an opaque token does not say who issued it): set it to one of "
            + introspection.keySet());
      }
      // Signed answers (RFC 9701) are verified with the issuer's JWKS, loaded only for asymmetric algorithms: without
      // one, every answer would fail at run time and every opaque token be answered 503.
      if (algorithms.stream().noneMatch(ASYMMETRIC_ALGORITHMS::contains)) {
        for (Map.Entry<String, Introspection> entry : introspection.entrySet()) {
          if (entry.getValue().signedResponseRequired()) {
            throw new IllegalStateException("Introspection for issuer '" + entry.getKey() + "' requires signed"
                + " answers (introspection-require-signed), but 'algorithms' lists no asymmetric algorithm, so no"
                + " signing keys are loaded to verify them: add the algorithm the issuer signs its introspection"
                + " responses with (e.g. RS256) to 'algorithms', or remove 'introspection-require-signed'");
          }
        }
      }
    }

    private void checkDpopSettings() {
      if (dpopMode != null && dpopMode != DpopMode.OFF && issuer == null) {
        throw new IllegalStateException("Setting 'dpop-mode' applies to the issuer set with 'issuer', which is not"
            + " set: set 'issuers[N].dpop-mode' for each issuer that uses DPoP");
      }
      if (dpopNonce && (dpopMode == null || dpopMode == DpopMode.OFF)) {
        throw new IllegalStateException("Setting 'dpop-nonce' is true but 'dpop-mode' is off: set 'dpop-mode' to"
            + " allowed or required, or remove 'dpop-nonce'");
      }
      for (int i = 0; i < extraIssuers.size(); i++) {
        if (extraIssuers.get(i).dpopNonce() && extraIssuers.get(i).dpopMode() == DpopMode.OFF) {
          throw new IllegalStateException("Setting 'issuers[" + i + "].dpop-nonce' is true but 'issuers[" + i
              + "].dpop-mode' is off: set it to allowed or required, or remove 'issuers[" + i + "].dpop-nonce'");
        }
      }
      boolean nonces = dpopNonce || extraIssuers.stream().anyMatch(TrustedIssuer::dpopNonce);
      if (nonces && dpopNonceSecret == null) {
        throw new IllegalStateException("Setting 'dpop-nonce-secret' is required when an issuer requires DPoP nonces:"
            + " set a random secret of at least 32 bytes, the same on every instance of the application");
      }
      if (!nonces && (dpopNonceSecret != null || dpopNonceRotationSet)) {
        String stray = dpopNonceSecret != null ? "dpop-nonce-secret" : "dpop-nonce-rotation";
        throw new IllegalStateException("Setting '" + stray + "' is set but no issuer requires DPoP nonces: set"
            + " 'dpop-nonce' (or 'issuers[N].dpop-nonce') to true, or remove '" + stray + "'");
      }
      if (dpopReplayStore != null && dpopReplayStoreProvider != null) {
        throw new IllegalStateException("Setting 'dpop-replay-store' is " + dpopReplayStoreProvider.name()
            + " but a DpopReplayStore is set too (with the Spring Boot starter: a DpopReplayStore bean): keep one");
      }
      if ((dpopReplayStore != null || dpopReplayStoreProvider != null) && dpopReplayCacheSizeSet) {
        throw new IllegalStateException("Setting 'dpop-replay-cache-size' sizes the in-process replay store, but '"
            + "dpop-replay-store' is " + (dpopReplayStoreProvider != null ? dpopReplayStoreProvider.name()
                : "another store") + ": remove 'dpop-replay-cache-size'");
      }
      boolean used = (dpopMode != null && dpopMode != DpopMode.OFF)
          || extraIssuers.stream().anyMatch(trusted -> trusted.dpopMode() != DpopMode.OFF);
      if (used) {
        return;
      }
      if (dpopReplayStoreProvider != null) {
        throw new IllegalStateException("Setting 'dpop-replay-store' is set but no issuer uses DPoP: set 'dpop-mode'"
            + " (or 'issuers[N].dpop-mode') to allowed or required, or remove 'dpop-replay-store'");
      }
      // A DPoP setting without any issuer using DPoP is a configuration that does not do what it seems to.
      String stray = dpopAlgorithmsSet ? "dpop-algorithms" : dpopProofMaxAgeSet ? "dpop-proof-max-age"
          : dpopExternalBaseUrl != null ? "dpop-external-base-url"
          : dpopReplayCacheSizeSet ? "dpop-replay-cache-size" : null;
      if (stray != null) {
        throw new IllegalStateException("Setting '" + stray + "' is set but no issuer uses DPoP: set 'dpop-mode' (or"
            + " 'issuers[N].dpop-mode') to allowed or required, or remove '" + stray + "'");
      }
    }

    private static String canonicalAlgorithm(String name) {
      if (name == null) {
        return null;
      }
      for (String known : ASYMMETRIC_ALGORITHMS) {
        if (known.equalsIgnoreCase(name.strip())) {
          return known;
        }
      }
      for (String known : HMAC_ALGORITHMS) {
        if (known.equalsIgnoreCase(name.strip())) {
          return known;
        }
      }
      return null;
    }

    private static List<String> claimNames(String setting, List<String> claims) {
      requireNonNull(claims, setting);
      if (claims.isEmpty() || claims.stream().anyMatch(c -> c == null || c.isBlank())) {
        throw new IllegalArgumentException("Setting '" + setting + "' must name at least one claim, was " + claims);
      }
      return List.copyOf(claims);
    }

    private static Duration timeout(String setting, Duration timeout) {
      requireNonNull(timeout, setting);
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException(
            "Setting '" + setting + "' must be between 1ms and 1m, was " + timeout);
      }
      return timeout;
    }

    private static boolean isHttp(URI uri) {
      String scheme = uri.getScheme();
      return uri.isAbsolute() && ("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme));
    }

    private static Duration between(String setting, Duration value, Duration min, Duration max) {
      requireNonNull(value, setting);
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            "Setting '" + setting + "' must be between " + min + " and " + max + ", was " + value);
      }
      return value;
    }

    private List<TrustedIssuer> effectiveIssuers() {
      List<TrustedIssuer> all = new ArrayList<>();
      if (issuer != null) {
        all.add(new TrustedIssuer(issuer, List.copyOf(audiences), Optional.ofNullable(jwksUri),
            dpopMode == null ? DpopMode.OFF : dpopMode, dpopNonce, mtlsRequired));
      }
      for (TrustedIssuer entry : extraIssuers) {
        all.add(entry.audiences().isEmpty() ? entry.withAudiences(List.copyOf(audiences)) : entry);
      }
      return List.copyOf(all);
    }
  }
}
