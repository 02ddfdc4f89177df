package dev.tokengate;

import static java.util.Objects.requireNonNull;

import dev.tokengate.internal.http.AuthenticatedRequest;
import dev.tokengate.internal.http.BearerTokenExtractor;
import dev.tokengate.internal.http.ErrorResponses;
import dev.tokengate.internal.scope.PathRules;
import dev.tokengate.internal.scope.ScopeRequirement;
import dev.tokengate.internal.scope.ServletScopeResolver;
import dev.tokengate.spi.ValidationListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A servlet filter that lets a request through only with a valid bearer access token, and hands the caller to
 * downstream code as a {@link ClientPrincipal}.
 *
 * <p>Register it in {@code web.xml} with the settings of {@link TokenGateConfig} as init-params:
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>tokengate</filter-name>
 *   <filter-class>dev.tokengate.TokenGateFilter</filter-class>
 *   <init-param><param-name>issuer</param-name><param-value>https://login.example.com/realms/api</param-value></init-param>
 *   <init-param><param-name>audiences</param-name><param-value>orders-api</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>tokengate</filter-name><url-pattern>/*</url-pattern></filter-mapping>
 * }</pre>
 *
 * or in code with {@link #TokenGateFilter(TokenGateConfig)}. Per request it answers, as RFC 6750 says: no token, 401
 * with a bare {@code Bearer} challenge; a malformed request, 400 {@code invalid_request}; a bad token, 401 {@code
 * invalid_token}; a missing scope ({@link RequiredScope} on the target servlet, or a {@code scope-rules} entry), 403
 * {@code insufficient_scope}; keys unavailable, 503 with {@code Retry-After}. Otherwise the request continues with
 * {@code getUserPrincipal()} returning the {@link ClientPrincipal}, {@code getRemoteUser()} the client id, {@code
 * getAuthType()} {@code "Bearer"}, and {@code isUserInRole(scope)} true for each scope of the token.
 */
public final class TokenGateFilter implements Filter {
  /** The request attribute holding the {@link ClientPrincipal} of an authenticated request. */
  public static final String PRINCIPAL_ATTRIBUTE = ClientPrincipal.class.getName();

  private static final Logger log = LoggerFactory.getLogger(TokenGateFilter.class);

  private TokenGateConfig config;
  private TokenValidator validator;
  private boolean ownsValidator;
  private BearerTokenExtractor extractor;
  private ErrorResponses responses;
  private PathRules pathRules;
  private ServletScopeResolver servletScopes;
  private ValidationListener listener = new ValidationListener() {};

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
    if (validator == null) {
      validator = TokenValidator.create(config);
      ownsValidator = true;
    }
    extractor = new BearerTokenExtractor(config.allowQueryToken(), config.allowFormToken(), config.maxTokenLength());
    responses = new ErrorResponses(config.realm());
    pathRules = new PathRules(config.publicPaths(), config.scopeRules());
    servletScopes = new ServletScopeResolver(filterConfig.getServletContext());
    log.info("tokengate protects '{}' with {}", filterConfig.getFilterName(), config);
  }

  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if (!(servletRequest instanceof HttpServletRequest request)
        || !(servletResponse instanceof HttpServletResponse response)) {
      chain.doFilter(servletRequest, servletResponse);
      return;
    }
    String path = pathWithinApplication(request);
    if (pathRules.isPublic(path)) {
      chain.doFilter(request, response);
      return;
    }
    Optional<String> token;
    try {
      token = extractor.extract(request);
    } catch (TokenRejectedException e) {
      rejected(response, e, null);
      return;
    }
    if (token.isEmpty()) {
      notify(() -> listener.onTokenMissing());
      responses.challenge(response);
      return;
    }
    ClientPrincipal principal;
    try {
      principal = validator.validate(token.get());
    } catch (TokenRejectedException e) {
      rejectedToken(response, e);
      return;
    } catch (KeysUnavailableException e) {
      log.debug("Token not checked: {}", e.getMessage());
      notify(() -> listener.onKeysUnavailable(e.reason()));
      responses.unavailable(response, e);
      return;
    }
    try {
      for (ScopeRequirement requirement : pathRules.requirementsFor(request.getMethod(), path)) {
        requirement.check(principal);
      }
      Optional<ScopeRequirement> onServlet = servletScopes.requirementFor(request);
      if (onServlet.isPresent()) {
        onServlet.get().check(principal);
      }
    } catch (TokenRejectedException e) {
      rejected(response, e, principal);
      return;
    }
    ClientPrincipal accepted = principal;
    notify(() -> listener.onAccepted(accepted));
    request.setAttribute(PRINCIPAL_ATTRIBUTE, principal);
    chain.doFilter(new AuthenticatedRequest(request, principal), response);
  }

  @Override
  public void destroy() {
    if (ownsValidator && validator != null) {
      validator.close();
    }
  }

  private void rejected(HttpServletResponse response, TokenRejectedException e, ClientPrincipal principal)
      throws IOException {
    if (log.isDebugEnabled()) {
      log.debug("Rejected request: {} ({}){}", e.error().code(), e.description(),
          principal == null ? "" : " client_id=" + principal.clientId() + " scopes=" + principal.scopes());
    }
    rejectedToken(response, e);
  }

  /** A rejection the validator already logged, with the kid and client id it saw; only listeners still hear it. */
  private void rejectedToken(HttpServletResponse response, TokenRejectedException e) throws IOException {
    notify(() -> listener.onRejected(e.error(), e.description()));
    responses.reject(response, e);
  }

  // A listener is an observer: its failure must neither let a request through nor turn a decision into a 500.
  private static void notify(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.warn("ValidationListener failed; the request's outcome is unchanged", e);
    }
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
