package dev.tokengate;

import static java.util.Objects.requireNonNull;

import dev.tokengate.internal.dpop.DpopGate;
import dev.tokengate.internal.dpop.DpopProofException;
import dev.tokengate.internal.http.AuthenticatedRequest;
import dev.tokengate.internal.http.BearerTokenExtractor;
import dev.tokengate.internal.http.ErrorResponses;
import dev.tokengate.internal.http.RequestFirewall;
import dev.tokengate.internal.log.OperatorLog;
import dev.tokengate.internal.metadata.ResourceMetadata;
import dev.tokengate.internal.mtls.CertificateBinding;
import dev.tokengate.internal.scope.FilterCoverage;
import dev.tokengate.internal.scope.PathPattern;
import dev.tokengate.internal.scope.PathRules;
import dev.tokengate.internal.scope.ServletScopeResolver;
import dev.tokengate.spi.ReplayStoreUnavailableException;
import dev.tokengate.spi.ValidationListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A servlet filter that lets a request through only with a valid bearer access token, and hands the caller to
 * downstream code as a {@link ClientPrincipal}.
 *
 * <p>Register it in {@code web.xml} with the settings of {@link TokenGateConfig} as init-params, for every dispatch
 * type, and with async support (a filter without it makes every asynchronous servlet behind it fail):
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>tokengate</filter-name>
 *   <filter-class>dev.tokengate.TokenGateFilter</filter-class>
 *   <async-supported>true</async-supported>
 *   <init-param><param-name>issuer</param-name><param-value>https://login.example.com/realms/api</param-value></init-param>
 *   <init-param><param-name>audiences</param-name><param-value>orders-api</param-value></init-param>
 * </filter>
 * <filter-mapping>
 *   <filter-name>tokengate</filter-name>
 *   <url-pattern>/*</url-pattern>
 *   <dispatcher>REQUEST</dispatcher>
 *   <dispatcher>ASYNC</dispatcher>
 *   <dispatcher>FORWARD</dispatcher>
 *   <dispatcher>INCLUDE</dispatcher>
 *   <dispatcher>ERROR</dispatcher>
 * </filter-mapping>
 * }</pre>
 *
 * or in code with {@link #TokenGateFilter(TokenGateConfig)}. Per request it answers, as RFC 6750 says: no token, 401
 * with a bare {@code Bearer} challenge; a malformed request, 400 {@code invalid_request}; a bad token, 401 {@code
 * invalid_token}; a missing scope ({@link RequiredScope} on the target servlet, or a {@code scope-rules} entry), 403
 * {@code insufficient_scope}; keys unavailable, 503 with {@code Retry-After}. Otherwise the request continues with
 * {@code getUserPrincipal()} returning the {@link ClientPrincipal}, {@code getRemoteUser()} the client id, {@code
 * getAuthType()} {@code "Bearer"}, and {@code isUserInRole(scope)} true for each scope of the token.
 *
 * <p><b>Certificate-bound tokens.</b> A token with a {@code cnf.x5t#S256} claim (RFC 8705 §3) is accepted only when
 * the request's TLS client certificate has that SHA-256 thumbprint, on every request, a token served from the
 * validated-token cache included; otherwise 401 {@code invalid_token}. No setting turns this off. The certificate is
 * the connection's (the container must ask for client certificates), or the one a TLS-terminating proxy forwards in
 * {@link TokenGateConfig.Builder#mtlsClientCertificateHeader(String) mtls-client-certificate-header}. A token bound
 * both to a certificate and to a DPoP key must satisfy both.
 *
 * <p><b>Protected-resource metadata.</b> With {@link TokenGateConfig.Builder#resourceIdentifier(java.net.URI)
 * resource-identifier} set, the filter itself answers {@code GET} and {@code HEAD} to exactly the identifier's
 * well-known path ({@code /.well-known/oauth-protected-resource}, RFC 9728) with the metadata document, without a
 * token and without passing the request on, and every challenge carries {@code resource_metadata}.
 *
 * <p><b>Request firewall.</b> Before anything is matched, a request whose raw path is not in one normal form is
 * refused with 400 and a JSON body, without a challenge: path parameters ({@code ;}), encoded {@code . / \ % ;}
 * or control characters, a backslash, {@code //}, a segment ending in a dot ({@code .}, {@code ..}, {@code name.}),
 * needless or malformed percent-encoding, characters outside printable ASCII, and any path whose decoding differs
 * from the servlet path plus path info the container resolved. Containers and frameworks read such paths
 * differently (Tomcat strips {@code ;params} before it computes the servlet path, Spring MVC routes on the raw URI),
 * so public paths, scope rules and {@code @RequiredScope} could otherwise be walked around. This applies to public
 * paths too. There is no setting to relax it.
 *
 * <p><b>Mapping.</b> The firewall runs only where the filter is mapped, and the container picks filters by the
 * normalized path: {@code /api/files/..;/..;/x} has the servlet path {@code /x}, skips a filter mapped to {@code
 * /api/*}, and can still reach an {@code /api/files/**} handler of a framework that routes on the raw URI. So {@link
 * #init} fails start-up when this filter is mapped to less than {@code /*} (other url-patterns, servlet names) and
 * neither a {@link RequestFirewallFilter} nor another TokenGateFilter is mapped to {@code /*}. Map it to {@code /*}
 * and list the open paths in {@code public-paths}, or also map {@link RequestFirewallFilter} to {@code /*}.
 *
 * <p><b>Dispatches.</b> On a REQUEST dispatch the token is validated. On later dispatches of the same request
 * (ASYNC after {@code startAsync().dispatch()}, FORWARD, INCLUDE, ERROR) the caller accepted then is shown to the
 * target again, without a second validation, and held to the target's public paths, scope rules and {@link
 * RequiredScope}. A dispatch without an accepted caller (from a public path) to a target that is not public needs a
 * token like a REQUEST (FORWARD, INCLUDE, ASYNC) or is not run (ERROR: an error page for such a request must be a
 * public path). A refusal is answered on FORWARD and ASYNC dispatches whose response is not committed; otherwise
 * (INCLUDE, ERROR, committed) the target is simply not run and the response keeps its status, so a refusal never
 * turns into a 500 nor is written into a committed response.
 */
public final class TokenGateFilter implements Filter {
  /** The request attribute holding the {@link ClientPrincipal} of an authenticated request. */
  public static final String PRINCIPAL_ATTRIBUTE = ClientPrincipal.class.getName();

  private static final Logger log = LoggerFactory.getLogger(TokenGateFilter.class);
  // The start-up summary reaches the container's log even when no SLF4J provider is bound.
  private static final OperatorLog operatorLog = OperatorLog.forClass(TokenGateFilter.class);
  /** Which filter accepted which caller: read back on later dispatches of the same request. */
  private static final String AUTHENTICATION_ATTRIBUTE = TokenGateFilter.class.getName() + ".authentication";

  private record Authentication(TokenGateFilter filter, ClientPrincipal principal) {}

  private TokenGateConfig config;
  private TokenValidator validator;
  private boolean ownsValidator;
  private BearerTokenExtractor extractor;
  private ErrorResponses responses;
  private DpopGate dpop;
  private CertificateBinding certificates;
  /** RFC 9728 metadata; {@code null} when no resource identifier is set. */
  private volatile ResourceMetadata metadata;
  /** Scopes announced before {@link #init} made {@link #metadata}. */
  private final java.util.Set<String> earlyScopes = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private PathRules pathRules;
  private ServletScopeResolver servletScopes;
  private ValidationListener listener = new ValidationListener() {};
  /** Whether a {@link RequestFirewallFilter} or another TokenGateFilter is mapped too, so the check is shared. */
  private boolean sharesFirewall;
  /** When the replay store's trouble was last logged at WARN: once a minute, not once per refused request. */
  private final AtomicLong replayStoreWarnedAt = new AtomicLong(Long.MIN_VALUE);

  /** For {@code web.xml}: the configuration is read from init-params in {@link #init(FilterConfig)}. */
  public TokenGateFilter() {}

  /** For programmatic registration; init-params are ignored. */
  public TokenGateFilter(TokenGateConfig config) {
    this.config = requireNonNull(config, "config");
  }

  /**
   * For programmatic registration sharing a validator, e.g. with other filters or a Spring context. The validator is
   * not closed by {@link #destroy()}.
   */
  public TokenGateFilter(TokenValidator validator) {
    this.validator = requireNonNull(validator, "validator");
    this.config = validator.config();
  }

  /**
   * Like {@link #TokenGateFilter(TokenValidator)}, and tells {@code listener} the outcome of every request it decides,
   * e.g. to count them.
   */
  public TokenGateFilter(TokenValidator validator, ValidationListener listener) {
    this(validator);
    this.listener = requireNonNull(listener, "listener");
  }

  /**
   * Adds scopes to the {@code scopes_supported} of the protected-resource metadata this filter serves (RFC 9728, see
   * {@link TokenGateConfig.Builder#resourceIdentifier}), beside those of the {@code scope-rules}: for frameworks whose
   * handlers declare the scopes they need, e.g. {@link RequiredScope} on Spring MVC controllers. Announcing a scope
   * only describes the API; it demands nothing. Thread-safe; before or after {@link #init}. Without a resource
   * identifier it does nothing.
   *
   * @since 0.1.0
   */
  public void announceScopes(Collection<String> scopes) {
    requireNonNull(scopes, "scopes");
    earlyScopes.addAll(scopes);
    ResourceMetadata served = metadata;
    if (served != null) {
      served.announce(scopes);
    }
  }

  /** The caller of an authenticated request, when this filter let it through. */
  public static Optional<ClientPrincipal> principal(ServletRequest request) {
    return request.getAttribute(PRINCIPAL_ATTRIBUTE) instanceof ClientPrincipal principal
        ? Optional.of(principal)
        : Optional.empty();
  }

  /**
   * Reads the configuration (from init-params unless given in the constructor) and prepares the validator.
   *
   * @throws ServletException naming the setting, when the configuration is missing or invalid, so that the
   *     application fails to start rather than run unprotected
   */
  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    if (config == null) {
      try {
        config = TokenGateConfig.fromSettings(initParameters(filterConfig));
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new ServletException("tokengate filter '" + filterConfig.getFilterName() + "' is misconfigured: "
            + e.getMessage(), e);
      }
    }
    // The mapping checks run before the validator exists, so that a refused start leaves no key-refresh thread,
    // and no replay store connection either (made from init-params, e.g. dpop-replay-store=redis).
    try {
      sharesFirewall = checkFirewallCoversEveryPath(filterConfig);
      servletScopes = new ServletScopeResolver(filterConfig.getServletContext());
      requireAnnotatedServletsCovered(filterConfig);
    } catch (ServletException | RuntimeException e) {
      if (validator == null) {
        config.closeOwnedReplayStore();
      }
      throw e;
    }
    if (validator == null) {
      validator = TokenValidator.create(config);
      ownsValidator = true;
    }
    extractor = new BearerTokenExtractor(config.allowQueryToken(), config.allowFormToken(), config.maxTokenLength());
    if (config.resourceIdentifier().isPresent()) {
      try {
        ResourceMetadata served = new ResourceMetadata(config, filterConfig.getServletContext() == null ? ""
            : filterConfig.getServletContext().getContextPath());
        served.announceRules(config.scopeRules());
        metadata = served;
        // After publishing it: a scope announced meanwhile is in earlyScopes, or reached the published document.
        served.announce(earlyScopes);
      } catch (IllegalStateException e) {
        throw new ServletException("tokengate filter '" + filterConfig.getFilterName() + "' is misconfigured: "
            + e.getMessage(), e);
      }
    }
    responses = new ErrorResponses(config.realm(), metadata == null ? null : metadata.challengeParameter());
    dpop = new DpopGate(config);
    certificates = new CertificateBinding(config);
    pathRules = new PathRules(config.publicPaths(), config.scopeRules());
    operatorLog.info("tokengate protects '{}' with {}", filterConfig.getFilterName(), config);
  }

  /**
   * Fails start-up when this filter is mapped to less than {@code /*} and no other filter runs the request firewall on
   * {@code /*}: the container picks filters by the normalized path, so a request such as {@code
   * /api/files/..;/..;/anything} would skip a filter mapped to {@code /api/*} and could still be routed, on its raw
   * URI, to an {@code /api/files/**} handler. Servlet-name mappings count as narrow. Returns whether a {@link
   * RequestFirewallFilter} or another TokenGateFilter is mapped anywhere, which then shares the check.
   *
   * <p>A servlet container answers for the filters it initializes itself, with their mappings (Tomcat, Jetty, also
   * for programmatic registrations). When the registration cannot be read ({@code null}, or {@link
   * UnsupportedOperationException}) or has no mapping at all, this filter was initialized by something other than
   * the container's own filter chain (Spring's MockMvc registers it without mappings; a filter delegating to it),
   * which decides on its own which requests reach it. The check cannot see the mapping it would judge, so it is
   * skipped, with a warning when the registration cannot be read and at INFO for MockMvc's unmapped one, rather than
   * failing every MockMvc test; this filter then runs its firewall on every request it sees, as before.
   */
  private static boolean checkFirewallCoversEveryPath(FilterConfig filterConfig) throws ServletException {
    String name = filterConfig.getFilterName();
    ServletContext context = filterConfig.getServletContext();
    FilterRegistration own;
    Map<String, ? extends FilterRegistration> registrations;
    try {
      own = context == null || name == null ? null : context.getFilterRegistration(name);
      registrations = own == null ? Map.of() : context.getFilterRegistrations();
    } catch (UnsupportedOperationException e) {
      own = null;
      registrations = Map.of();
    }
    if (own == null) {
      log.warn("tokengate filter '{}' cannot read its own mapping from the servlet context, so it cannot check that"
          + " its request firewall covers every path. Where a servlet container runs it, map it to /*, or also map"
          + " dev.tokengate.RequestFirewallFilter to /*", name);
      return false;
    }
    if (isEmpty(own.getUrlPatternMappings()) && isEmpty(own.getServletNameMappings())) {
      log.info("tokengate filter '{}' has no url-pattern or servlet-name mapping in the servlet context: whatever"
          + " calls it (Spring's MockMvc, a filter delegating to it) chooses its requests, so its mapping is not"
          + " checked here", name);
      return false;
    }
    // A Spring- or Ant-style pattern ('/api/**', '/api*') is, for the container, one exact path: the filter would
    // guard that literal path and nothing else, and the application would start open.
    for (String pattern : own.getUrlPatternMappings() == null ? List.<String>of() : own.getUrlPatternMappings()) {
      try {
        PathPattern.of(pattern);
      } catch (IllegalArgumentException e) {
        throw new ServletException("tokengate filter '" + name + "' is misconfigured: its url-pattern '" + pattern
            + "' " + e.getMessage() + ". Map it to /* and list the paths that need no token in 'public-paths'", e);
      }
    }
    boolean shared = false;
    boolean coveredByAnother = false;
    for (Map.Entry<String, ? extends FilterRegistration> entry : registrations.entrySet()) {
      FilterRegistration other = entry.getValue();
      String className = other.getClassName();
      if (!entry.getKey().equals(name) && (RequestFirewallFilter.class.getName().equals(className)
          || TokenGateFilter.class.getName().equals(className))) {
        shared |= !isEmpty(other.getUrlPatternMappings()) || !isEmpty(other.getServletNameMappings());
        coveredByAnother |= mapsEveryPath(other);
      }
    }
    if (!mapsEveryPath(own) && !coveredByAnother) {
      throw new ServletException("tokengate filter '" + name + "' is misconfigured: it is mapped to url-patterns "
          + sorted(own.getUrlPatternMappings()) + " and servlet-names " + sorted(own.getServletNameMappings())
          + ", not to /*, and no dev.tokengate.RequestFirewallFilter is mapped to /*. The container picks filters by"
          + " the normalized path, so a request outside that mapping (/api/files/..;/..;/x has the servlet path /x)"
          + " skips the request firewall, while a framework routing on the raw URI can still send it to a protected"
          + " handler. Either map tokengate to /* and list the paths that need no token in 'public-paths', or also"
          + " map dev.tokengate.RequestFirewallFilter to /* (before other filters)");
    }
    return shared;
  }

  private static boolean mapsEveryPath(FilterRegistration registration) {
    Collection<String> urlPatterns = registration.getUrlPatternMappings();
    return urlPatterns != null && urlPatterns.contains("/*");
  }

  private static boolean isEmpty(Collection<String> values) {
    return values == null || values.isEmpty();
  }

  private static List<String> sorted(Collection<String> values) {
    return values == null ? List.of() : values.stream().sorted().toList();
  }

  /**
   * Fails start-up when a servlet carrying {@link RequiredScope} can receive requests this filter is not mapped to
   * ({@code <url-pattern>/api/*</url-pattern>} in front of an annotated servlet on {@code /admin/*}): such a servlet
   * ran without any token, its annotation guarding nothing, and nothing said so.
   */
  private void requireAnnotatedServletsCovered(FilterConfig filterConfig) throws ServletException {
    ServletContext context = filterConfig.getServletContext();
    FilterRegistration registration;
    Collection<? extends ServletRegistration> servlets;
    try {
      registration = context == null ? null : context.getFilterRegistration(filterConfig.getFilterName());
      servlets = registration == null ? List.of() : context.getServletRegistrations().values();
    } catch (UnsupportedOperationException e) {
      return; // as in checkFirewallCoversEveryPath: no mapping to judge
    }
    if (registration == null
        || (isEmpty(registration.getUrlPatternMappings()) && isEmpty(registration.getServletNameMappings()))) {
      return;
    }
    Collection<String> filterPatterns =
        registration.getUrlPatternMappings() == null ? List.of() : registration.getUrlPatternMappings();
    Collection<String> filterServlets =
        registration.getServletNameMappings() == null ? List.of() : registration.getServletNameMappings();
    for (ServletRegistration servlet : servlets) {
      if (filterServlets.contains(servlet.getName()) || filterServlets.contains("*")
          || !servletScopes.carriesRequiredScope(servlet.getName())) {
        continue;
      }
      List<String> uncovered = FilterCoverage.uncovered(filterPatterns, servlet.getMappings());
      if (!uncovered.isEmpty()) {
        throw new ServletException("tokengate filter '" + filterConfig.getFilterName() + "' is mapped to "
            + filterPatterns + ", but servlet '" + servlet.getName() + "' carries @RequiredScope and is mapped to "
            + uncovered + ", which the filter does not see: it would run without any token. Map the filter to /*"
            + " (or to these patterns, or to the servlet by name).");
      }
    }
  }

  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if (!(servletRequest instanceof HttpServletRequest request)
        || !(servletResponse instanceof HttpServletResponse response)) {
      chain.doFilter(servletRequest, servletResponse);
      return;
    }
    if (request.getDispatcherType() == DispatcherType.REQUEST) {
      filterRequest(request, response, chain);
    } else {
      filterDispatch(request, response, chain);
    }
  }

  /** A request as the client sent it: firewall, then public paths, then the token and the scopes of the target. */
  private void filterRequest(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    // With another firewall in the application, whichever runs first checks the request, and marks it for the other.
    String refusal = sharesFirewall ? RequestFirewallFilter.refusal(request) : RequestFirewall.refusal(request);
    if (refusal != null) {
      log.debug("Refused request: {}", refusal);
      notify(() -> listener.onRejected(BearerError.INVALID_REQUEST, refusal));
      responses.badRequest(response, refusal);
      return;
    }
    String path = pathWithinApplication(request);
    ResourceMetadata served = metadata;
    if (served != null && served.serves(request, path)) {
      // Answered here, never passed on: the metadata path reaches no handler, with or without a token.
      served.answer(request, response);
      return;
    }
    if (isPublic(path, request.getHttpServletMapping(), request.getMethod())) {
      chain.doFilter(request, response);
      return;
    }
    ClientPrincipal principal = authenticate(request, response, true);
    if (principal == null || !permitted(request, response, principal, path, request.getHttpServletMapping(), true)) {
      return;
    }
    ClientPrincipal accepted = principal;
    notify(() -> listener.onAccepted(accepted));
    request.setAttribute(PRINCIPAL_ATTRIBUTE, principal);
    request.setAttribute(AUTHENTICATION_ATTRIBUTE, new Authentication(this, principal));
    chain.doFilter(new AuthenticatedRequest(request, response, principal), response);
  }

  /**
   * A FORWARD, INCLUDE, ASYNC or ERROR dispatch of a request. The caller this filter accepted on the REQUEST dispatch
   * is reused (no second validation) and held to the public paths, scope rules and {@code @RequiredScope} of the
   * dispatch's target. Without one, a public target goes on; any other target of a FORWARD, INCLUDE or ASYNC
   * dispatch needs the request's token, exactly as a REQUEST would, so that a public servlet cannot forward to a
   * protected one; an ERROR dispatch never validates. A refusal is answered when it can be: on a FORWARD or ASYNC
   * dispatch whose response is not committed. Otherwise (INCLUDE, which cannot set a status; ERROR, which carries
   * the original outcome; a committed response) the target is not run and the response is left as it is, so that a
   * refusal neither reaches the target nor becomes a 500.
   */
  private void filterDispatch(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    DispatcherType type = request.getDispatcherType();
    boolean include = type == DispatcherType.INCLUDE;
    String path = include ? includedPath(request) : pathWithinApplication(request);
    HttpServletMapping mapping = !include
        ? request.getHttpServletMapping()
        : request.getAttribute(RequestDispatcher.INCLUDE_MAPPING) instanceof HttpServletMapping included
            ? included
            : null;
    boolean canAnswer = (type == DispatcherType.FORWARD || type == DispatcherType.ASYNC) && !response.isCommitted();
    ClientPrincipal principal = knownPrincipal(request);
    if (isPublic(path, mapping, request.getMethod())) {
      chain.doFilter(principal == null ? request : new AuthenticatedRequest(request, response, principal), response);
      return;
    }
    if (principal == null) {
      if (type == DispatcherType.ERROR) {
        log.debug("Not running error page {}: it is not public and the request has no accepted caller", path);
        return;
      }
      ClientPrincipal caller = authenticate(request, response, canAnswer);
      if (caller == null || !permitted(request, response, caller, path, mapping, canAnswer)) {
        notRun(type, path, canAnswer);
        return;
      }
      notify(() -> listener.onAccepted(caller));
      request.setAttribute(PRINCIPAL_ATTRIBUTE, caller);
      request.setAttribute(AUTHENTICATION_ATTRIBUTE, new Authentication(this, caller));
      chain.doFilter(new AuthenticatedRequest(request, response, caller), response);
      return;
    }
    if (!permitted(request, response, principal, path, mapping, canAnswer)) {
      notRun(type, path, canAnswer);
      return;
    }
    chain.doFilter(new AuthenticatedRequest(request, response, principal), response);
  }

  /**
   * Whether the target needs no token: its path is public and its servlet carries no {@link RequiredScope}. A
   * servlet that demands scopes is never run without a caller because a public-path pattern also covers it (a
   * {@code /public/*} that reaches further than meant, a servlet moved under it): the annotation is the more specific
   * statement, and the Spring adapter fails closed the same way for annotated handlers on public paths.
   */
  private boolean isPublic(String path, HttpServletMapping mapping, String method) {
    return pathRules.isPublic(path) && servletScopes.requirementFor(mapping, method).isEmpty();
  }

  private static void notRun(DispatcherType type, String path, boolean answered) {
    if (!answered) {
      log.debug("Refused {} dispatch to {}: the target is not run and the response is left as it is", type, path);
    }
  }

  /** The caller this filter accepted on an earlier dispatch of the request; {@code null} when there is none. */
  private ClientPrincipal knownPrincipal(HttpServletRequest request) {
    // The private record cannot be made outside this class: an attribute set by other code is never taken for it.
    return request.getAttribute(AUTHENTICATION_ATTRIBUTE) instanceof Authentication authentication
            && authentication.filter() == this
        ? authentication.principal()
        : null;
  }

  /**
   * The caller of the request's token; {@code null} when refused, the refusal written if {@code canAnswer}.
   */
  private ClientPrincipal authenticate(HttpServletRequest request, HttpServletResponse response, boolean canAnswer)
      throws IOException {
    Optional<String> token;
    Optional<String> dpopToken;
    try {
      dpopToken = dpop.schemeToken(request);
      token = extractor.extract(request);
      if (dpopToken.isPresent() && token.isPresent()) {
        // RFC 6750 §2: one method only; a DPoP header token and a query or form token are two.
        throw new TokenRejectedException(BearerError.INVALID_REQUEST,
            "The request carries an access token in more than one place");
      }
    } catch (TokenRejectedException e) {
      rejected(request, response, e, null, canAnswer);
      return null;
    }
    if (dpopToken.isPresent()) {
      return authenticateDpop(request, response, dpopToken.get(), canAnswer);
    }
    if (token.isEmpty()) {
      notify(() -> listener.onTokenMissing());
      if (canAnswer) {
        dpop.challenge(response, responses);
      }
      return null;
    }
    try {
      ClientPrincipal principal = validator.validate(token.get());
      // A certificate-bound token (RFC 8705 §3) is held to this request's client certificate, cached or not.
      certificates.check(request, principal);
      try {
        dpop.checkBearer(principal);
      } catch (TokenRejectedException e) {
        notify(() -> listener.onRejected(e.error(), e.description()));
        if (canAnswer) {
          dpop.rejectBearer(response, responses, e);
        }
        return null;
      }
      return principal;
    } catch (TokenRejectedException e) {
      rejectedToken(request, response, e, canAnswer);
      return null;
    } catch (KeysUnavailableException e) {
      log.debug("Token not checked: {}", e.getMessage());
      notify(() -> listener.onKeysUnavailable(e.reason()));
      if (canAnswer) {
        responses.unavailable(response, e);
      }
      return null;
    }
  }

  /**
   * A request with {@code Authorization: DPoP}: the token is validated (or found in the validated-token cache) as any
   * other, then the request's proof and the token's binding to it are checked, on every request.
   */
  private ClientPrincipal authenticateDpop(HttpServletRequest request, HttpServletResponse response, String token,
      boolean canAnswer) throws IOException {
    ClientPrincipal principal;
    try {
      principal = validator.validate(token);
      // Before the proof, whose jti is recorded as used only once everything else passed.
      certificates.check(request, principal);
      dpop.checkProof(request, token, principal);
      dpop.offerNextNonce(request, response);
      return principal;
    } catch (TokenRejectedException e) {
      rejectedToken(request, response, e, canAnswer);
    } catch (DpopProofException e) {
      log.debug("Rejected DPoP proof: {}", e.description());
      notify(() -> listener.onRejected(BearerError.INVALID_TOKEN, e.description()));
      if (canAnswer) {
        dpop.rejectProof(response, responses, e);
      }
    } catch (KeysUnavailableException e) {
      log.debug("Token not checked: {}", e.getMessage());
      notify(() -> listener.onKeysUnavailable(e.reason()));
      if (canAnswer) {
        responses.unavailable(response, e);
      }
    } catch (ReplayStoreUnavailableException e) {
      // Whether the proof is new cannot be told, so the request is refused, never let through unchecked.
      long now = System.nanoTime();
      long warnedAt = replayStoreWarnedAt.get();
      if ((warnedAt == Long.MIN_VALUE || now - warnedAt >= TimeUnit.MINUTES.toNanos(1))
          && replayStoreWarnedAt.compareAndSet(warnedAt, now)) {
        log.warn("DPoP replay store unavailable, requests refused with 503 (logged once a minute): {}",
            e.getMessage());
      } else {
        log.debug("DPoP replay store unavailable, request refused with 503: {}", e.getMessage());
      }
      if (canAnswer) {
        dpop.unavailable(response, responses, e.retryAfter());
      }
    }
    return null;
  }

  /** Whether the caller has every scope the target's path rules and servlet require; answers 403 if not. */
  private boolean permitted(HttpServletRequest request, HttpServletResponse response, ClientPrincipal principal,
      String path, HttpServletMapping mapping, boolean canAnswer) throws IOException {
    try {
      for (ScopeRequirement requirement : pathRules.requirementsFor(request.getMethod(), path)) {
        requirement.check(principal);
      }
      for (ScopeRequirement requirement : servletScopes.requirementFor(mapping, request.getMethod())) {
        requirement.check(principal);
      }
      return true;
    } catch (TokenRejectedException e) {
      rejected(request, response, e, principal, canAnswer);
      return false;
    }
  }

  @Override
  public void destroy() {
    if (ownsValidator && validator != null) {
      validator.close();
    }
  }

  private void rejected(HttpServletRequest request, HttpServletResponse response, TokenRejectedException e,
      ClientPrincipal principal, boolean canAnswer) throws IOException {
    if (log.isDebugEnabled()) {
      log.debug("Rejected request: {} ({}){}", e.error().code(), e.description(),
          principal == null ? "" : " client_id=" + principal.clientId() + " scopes=" + principal.scopes());
    }
    rejectedToken(request, response, e, canAnswer);
  }

  /** A rejection the validator already logged, with the kid and client id it saw; only listeners still hear it. */
  private void rejectedToken(HttpServletRequest request, HttpServletResponse response, TokenRejectedException e,
      boolean canAnswer) throws IOException {
    notify(() -> listener.onRejected(e.error(), e.description()));
    if (canAnswer && dpop.usedScheme(request)) {
      dpop.rejectToken(response, responses, e);
    } else if (canAnswer) {
      responses.reject(response, e);
    }
  }

  /**
   * A listener is an observer: its failure must neither let a request through nor change its answer. Anything it
   * throws is logged and dropped, {@link LinkageError}s and {@link AssertionError}s included (a metrics library
   * missing at run time is still not a reason to refuse or admit a request); only a {@link VirtualMachineError} (out
   * of memory, stack overflow) goes on, since the JVM, not the listener, is then failing. Even then the request is
   * never let through: the error surfaces before the chain is called.
   */
  static void notify(Runnable call) {
    try {
      call.run();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      log.warn("ValidationListener failed; the request's outcome is unchanged", e);
    }
  }

  private static String includedPath(HttpServletRequest request) {
    Object servletPath = request.getAttribute(RequestDispatcher.INCLUDE_SERVLET_PATH);
    Object pathInfo = request.getAttribute(RequestDispatcher.INCLUDE_PATH_INFO);
    String path = (servletPath == null ? "" : servletPath.toString()) + (pathInfo == null ? "" : pathInfo.toString());
    return path.isEmpty() ? "/" : path;
  }

  private static String pathWithinApplication(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
    return path.isEmpty() ? "/" : path;
  }

  private static Map<String, String> initParameters(FilterConfig filterConfig) {
    Map<String, String> settings = new LinkedHashMap<>();
    for (String name : Collections.list(filterConfig.getInitParameterNames())) {
      settings.put(name, filterConfig.getInitParameter(name));
    }
    return settings;
  }
}
