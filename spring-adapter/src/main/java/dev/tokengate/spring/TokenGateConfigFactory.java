package dev.tokengate.spring;

import dev.tokengate.DpopMode;
import dev.tokengate.Introspection;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.spi.DpopReplayStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the typed {@code tokengate.*} properties onto {@link TokenGateConfig#builder()}, so that every check lives in
 * one place, the builder. Its messages name settings ('audiences'); this rewrites them to property names
 * ('tokengate.audiences') rather than keeping a second copy of each message.
 */
final class TokenGateConfigFactory {
  private static final Pattern QUOTED_NAME =
      Pattern.compile("'(issuers\\[\\d+\\]\\.[a-z-]+|redis\\.[a-z-]+|[a-z-]+)'");
  private static final Pattern LEADING_NAME = Pattern.compile("^([a-z-]+):");

  private TokenGateConfigFactory() {}

  static TokenGateConfig create(TokenGateProperties properties) {
    return create(properties, null);
  }

  static TokenGateConfig create(TokenGateProperties properties, DpopReplayStore replayStore) {
    try {
      TokenGateConfig.Builder builder = builder(properties);
      if (replayStore != null) {
        builder.dpopReplayStore(replayStore);
      }
      return builder.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw invalid("tokengate.", e);
    }
  }

  private static TokenGateConfig.Builder builder(TokenGateProperties properties) {
    TokenGateConfig.Builder builder = TokenGateConfig.builder();
    if (properties.getIssuer() != null && !properties.getIssuer().isBlank()) {
      builder.issuer(properties.getIssuer().strip());
    }
    if (properties.getJwksUri() != null) {
      builder.jwksUri(properties.getJwksUri());
    }
    builder.audiences(properties.getAudiences());
    builder.allowAnyAudience(properties.isAllowAnyAudience());
    if (properties.getAlgorithms() != null) {
      builder.algorithms(properties.getAlgorithms());
    }
    if (properties.getSharedSecret() != null && !properties.getSharedSecret().isEmpty()) {
      builder.sharedSecret(properties.getSharedSecret().getBytes(StandardCharsets.UTF_8));
    }
    builder.clockSkew(properties.getClockSkew());
    builder.typPolicy(properties.getTypPolicy());
    builder.clientIdClaims(properties.getClientIdClaims());
    builder.scopeClaims(properties.getScopeClaims());
    builder.publicPaths(properties.getPublicPaths());
    for (String rule : properties.getScopeRules()) {
      builder.scopeRule(rule);
    }
    builder.realm(properties.getRealm());
    builder.maxTokenLength(properties.getMaxTokenLength());
    builder.jwksConnectTimeout(properties.getJwksConnectTimeout());
    builder.jwksReadTimeout(properties.getJwksReadTimeout());
    builder.jwksMaxBytes(properties.getJwksMaxBytes());
    builder.tokenCacheSize(properties.getTokenCacheSize());
    builder.jwksCacheTtl(properties.getJwksCacheTtl());
    builder.jwksMinCacheTtl(properties.getJwksMinCacheTtl());
    builder.jwksMaxCacheTtl(properties.getJwksMaxCacheTtl());
    builder.jwksRefreshRateLimit(properties.getJwksRefreshRateLimit());
    builder.jwksMaxStaleness(properties.getJwksMaxStaleness());
    List<TokenGateProperties.Issuer> issuers = properties.getIssuers();
    for (int i = 0; i < issuers.size(); i++) {
      TrustedIssuer trusted = trustedIssuer(i, issuers.get(i));
      builder.trustedIssuer(trusted);
      TokenGateProperties.Issuer entry = issuers.get(i);
      String prefix = "tokengate.issuers[" + i + "].";
      introspection(prefix, entry.getIntrospectionEndpoint(), entry.getIntrospectionClientId(),
          entry.getIntrospectionClientSecret(), entry.getIntrospectionClientAuthentication(),
          entry.isIntrospectionRequireSigned())
          .ifPresent(settings -> builder.introspection(trusted.issuer(), settings));
    }
    introspection("tokengate.", properties.getIntrospectionEndpoint(), properties.getIntrospectionClientId(),
        properties.getIntrospectionClientSecret(), properties.getIntrospectionClientAuthentication(),
        properties.isIntrospectionRequireSigned())
        .ifPresent(builder::introspection);
    if (properties.getIntrospectionDefaultIssuer() != null && !properties.getIntrospectionDefaultIssuer().isBlank()) {
      builder.introspectionDefaultIssuer(properties.getIntrospectionDefaultIssuer().strip());
    }
    if (properties.isIntrospectJwts()) {
      builder.introspectJwts(true);
    }
    if (properties.getIntrospectionConnectTimeout() != null) {
      builder.introspectionConnectTimeout(properties.getIntrospectionConnectTimeout());
    }
    if (properties.getIntrospectionReadTimeout() != null) {
      builder.introspectionReadTimeout(properties.getIntrospectionReadTimeout());
    }
    if (properties.getIntrospectionMaxBytes() != null) {
      builder.introspectionMaxBytes(properties.getIntrospectionMaxBytes());
    }
    if (properties.getIntrospectionCacheMaxTtl() != null) {
      builder.introspectionCacheMaxTtl(properties.getIntrospectionCacheMaxTtl());
    }
    if (properties.getIntrospectionNegativeCacheTtl() != null) {
      builder.introspectionNegativeCacheTtl(properties.getIntrospectionNegativeCacheTtl());
    }
    if (properties.getIntrospectionCacheSize() != null) {
      builder.introspectionCacheSize(properties.getIntrospectionCacheSize());
    }
    if (properties.getIntrospectionMaxConcurrency() != null) {
      builder.introspectionMaxConcurrency(properties.getIntrospectionMaxConcurrency());
    }
    builder.allowQueryToken(properties.isAllowQueryToken());
    builder.allowFormToken(properties.isAllowFormToken());
    builder.jwksRefreshBurst(properties.getJwksRefreshBurst());
    if (properties.getJwksSnapshotDirectory() != null) {
      builder.jwksSnapshotDirectory(properties.getJwksSnapshotDirectory());
    }
    if (properties.getDpopMode() != null) {
      builder.dpopMode(properties.getDpopMode());
    }
    if (properties.getDpopAlgorithms() != null) {
      builder.dpopAlgorithms(properties.getDpopAlgorithms());
    }
    if (properties.getDpopProofMaxAge() != null) {
      builder.dpopProofMaxAge(properties.getDpopProofMaxAge());
    }
    if (properties.getDpopExternalBaseUrl() != null) {
      builder.dpopExternalBaseUrl(properties.getDpopExternalBaseUrl());
    }
    if (properties.getDpopReplayCacheSize() != null) {
      builder.dpopReplayCacheSize(properties.getDpopReplayCacheSize());
    }
    java.util.Map<String, String> redis = properties.getRedis().settings();
    String store = properties.getDpopReplayStore();
    if ((store != null && !store.isBlank()) || !redis.isEmpty()) {
      builder.dpopReplayStore(store == null || store.isBlank() ? "in-process" : store, redis);
    }
    builder.dpopNonce(properties.isDpopNonce());
    if (properties.getDpopNonceSecret() != null && !properties.getDpopNonceSecret().isEmpty()) {
      builder.dpopNonceSecret(properties.getDpopNonceSecret().getBytes(StandardCharsets.UTF_8));
    }
    if (properties.getDpopNonceRotation() != null) {
      builder.dpopNonceRotation(properties.getDpopNonceRotation());
    }
    builder.mtlsRequired(properties.isMtlsRequired());
    if (properties.getResourceIdentifier() != null) {
      builder.resourceIdentifier(properties.getResourceIdentifier());
    }
    if (properties.getMtlsClientCertificateHeader() != null && !properties.getMtlsClientCertificateHeader().isBlank()) {
      builder.mtlsClientCertificateHeader(properties.getMtlsClientCertificateHeader());
    }
    return builder;
  }

  private static TrustedIssuer trustedIssuer(int index, TokenGateProperties.Issuer entry) {
    String prefix = "tokengate.issuers[" + index + "].";
    if (entry.getIssuer() == null || entry.getIssuer().isBlank()) {
      throw new InvalidTokenGatePropertyException(prefix + "issuer", "Property '" + prefix + "issuer' is required"
          + " when other '" + prefix + "' properties are set: set it to the issuer URL, exactly as in the tokens'"
          + " 'iss' claim", null);
    }
    try {
      return new TrustedIssuer(entry.getIssuer().strip(), entry.getAudiences(), Optional.ofNullable(entry.getJwksUri()),
          entry.getDpopMode() == null ? DpopMode.OFF : entry.getDpopMode(), entry.isDpopNonce(),
          entry.isMtlsRequired());
    } catch (IllegalArgumentException e) {
      throw invalid(prefix, e);
    }
  }

  /** The introspection these properties (under {@code prefix}) describe; empty when none of them is set. */
  private static Optional<Introspection> introspection(String prefix, URI endpoint, String clientId,
      String clientSecret, Introspection.ClientAuthentication authentication, boolean requireSigned) {
    boolean idSet = clientId != null && !clientId.isBlank();
    boolean secretSet = clientSecret != null && !clientSecret.isEmpty();
    if (endpoint == null && !idSet && !secretSet && authentication == null && !requireSigned) {
      return Optional.empty();
    }
    if (!idSet) {
      throw new InvalidTokenGatePropertyException(prefix + "introspection-client-id", "Property '" + prefix
          + "introspection-client-id' is required when other '" + prefix + "introspection-' properties are set: set"
          + " it to the client id this API authenticates to the introspection endpoint with", null);
    }
    if (!secretSet) {
      throw new InvalidTokenGatePropertyException(prefix + "introspection-client-secret", "Property '" + prefix
          + "introspection-client-secret' is required when '" + prefix + "introspection-client-id' is set: set it"
          + " to that client's secret", null);
    }
    try {
      Introspection settings = Introspection.withClient(clientId, clientSecret);
      if (endpoint != null) {
        settings = settings.withEndpoint(endpoint);
      }
      if (authentication != null) {
        settings = settings.withClientAuthentication(authentication);
      }
      settings = settings.withSignedResponseRequired(requireSigned);
      return Optional.of(settings);
    } catch (IllegalArgumentException e) {
      throw invalid(prefix, e);
    }
  }

  private static boolean isSetting(String name) {
    // redis.* are tokengate-redis's settings, the properties tokengate.redis.*.
    return name.startsWith("issuers[") || name.startsWith("redis.") || TokenGateConfig.settingNames().contains(name);
  }

  /** Checks {@code tokengate.filter.url-patterns}, which the filter module does not know about. */
  static List<String> urlPatterns(TokenGateProperties properties) {
    List<String> patterns = properties.getFilter().getUrlPatterns();
    if (patterns == null || patterns.isEmpty()) {
      throw new InvalidTokenGatePropertyException("tokengate.filter.url-patterns",
          "Property 'tokengate.filter.url-patterns' must name at least one servlet url-pattern, e.g. /*", null);
    }
    for (String pattern : patterns) {
      if (pattern == null || !(pattern.startsWith("/") || pattern.startsWith("*."))) {
        throw new InvalidTokenGatePropertyException("tokengate.filter.url-patterns",
            "Property 'tokengate.filter.url-patterns' entries must start with '/' or '*.', was '" + pattern + "'",
            null);
      }
      if (!isServletUrlPattern(pattern)) {
        throw new InvalidTokenGatePropertyException("tokengate.filter.url-patterns",
            "Property 'tokengate.filter.url-patterns' entry '" + pattern + "' is not a servlet url-pattern: the"
                + " container reads it as one exact path, so the filter would check no request under it (and its"
                + " request firewall on /* would hide that from the filter's own mapping check)",
            "Write servlet url-patterns, not Spring MVC path patterns: '/*' for every path, '/prefix/*' for every"
                + " path under a prefix" + suggestion(pattern) + ", '*.extension', or one exact path without '*' or"
                + " blanks.", null);
      }
    }
    return List.copyOf(patterns);
  }

  /**
   * Whether the container matches {@code pattern} the way it reads: Tomcat accepts {@code /api/**}, {@code /api*},
   * {@code /**} or {@code "/api/* "} (logging "suspicious" at INFO at most) and treats each as one exact path, which no
   * request has, and {@code /} as the root alone. Such a mapping checks nothing, while the firewall on {@code /*}
   * (registered because the mapping is not {@code /*}) satisfies the filter's "mapped to less than /*" check, so the
   * application used to start unprotected. {@code *.tar.gz} never matches either: the container takes the last dot.
   */
  private static boolean isServletUrlPattern(String pattern) {
    for (int i = 0; i < pattern.length(); i++) {
      if (pattern.charAt(i) <= ' ' || pattern.charAt(i) == 0x7f) {
        return false;
      }
    }
    if (pattern.equals("/")) {
      return false;
    }
    if (pattern.startsWith("*.")) {
      String extension = pattern.substring(2);
      return !extension.isEmpty() && extension.indexOf('*') < 0 && extension.indexOf('.') < 0
          && extension.indexOf('/') < 0;
    }
    int star = pattern.indexOf('*');
    return star < 0 || (star == pattern.length() - 1 && pattern.endsWith("/*"));
  }

  private static String suggestion(String pattern) {
    int star = pattern.indexOf('*');
    String stripped = pattern.strip();
    if (star < 0) {
      return stripped.equals(pattern) ? " (for every path, '/*')" : " (did you mean '" + stripped + "'?)";
    }
    int slash = pattern.lastIndexOf('/', star);
    String prefix = slash <= 0 ? "" : pattern.substring(0, slash);
    return " (did you mean '" + prefix + "/*'?)";
  }

  /**
   * Rewrites the builder's message to name properties: {@code prefix} is {@code tokengate.} or, for one issuer of
   * several, {@code tokengate.issuers[0].}.
   */
  static InvalidTokenGatePropertyException invalid(String prefix, RuntimeException e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    String property = null;
    StringBuilder rewritten = new StringBuilder();
    Matcher leading = LEADING_NAME.matcher(message);
    if (leading.find() && TokenGateConfig.settingNames().contains(leading.group(1))) {
      property = prefix + leading.group(1);
      message = "Property '" + property + "'" + message.substring(leading.end(1));
    }
    Matcher quoted = QUOTED_NAME.matcher(message);
    while (quoted.find()) {
      String name = quoted.group(1);
      if (isSetting(name)) {
        if (property == null) {
          property = prefix + name;
        }
        quoted.appendReplacement(rewritten, Matcher.quoteReplacement("'" + prefix + name + "'"));
      }
    }
    quoted.appendTail(rewritten);
    String text = rewritten.toString().replaceFirst("^Settings '", "Properties '")
        .replaceFirst("^Setting '", "Property '").replaceFirst("^'", "Property '");
    return new InvalidTokenGatePropertyException(property == null ? prefix.substring(0, prefix.length() - 1) : property,
        text, e);
  }
}
