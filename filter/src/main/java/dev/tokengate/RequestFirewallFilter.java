package dev.tokengate;

import static java.util.Objects.requireNonNull;

import dev.tokengate.internal.http.ErrorResponses;
import dev.tokengate.internal.http.RequestFirewall;
import dev.tokengate.spi.ValidationListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request firewall of {@link TokenGateFilter} on its own, for every path of an application in which tokengate is
 * mapped to fewer paths than {@code /*} (e.g. {@code <url-pattern>/api/*</url-pattern>}, or a servlet name).
 *
 * <p><b>What it refuses.</b> Exactly what {@link TokenGateFilter} refuses before it looks at a token: a request whose
 * raw path is not in one normal form (path parameters {@code ;}, encoded {@code . / \ % ;} or control characters, a
 * backslash, {@code //}, a segment ending in a dot, needless or malformed percent-encoding, characters outside
 * printable ASCII, a path outside the context path, or one whose decoding differs from the servlet path plus path info
 * the container resolved) gets 400, {@code Cache-Control: no-store}, a JSON body {@code
 * {"error":"invalid_request","error_description":"…"}} and no challenge. Every other request goes on untouched: this
 * filter never looks at a token.
 *
 * <p><b>Why it is needed.</b> A container picks the filters of a request by its normalized path: Tomcat strips {@code
 * ;params} and decodes {@code %2e} first, so {@code /api/files/..;/..;/anything} has the servlet path {@code
 * /anything} and never meets a filter mapped to {@code /api/*}. A framework that routes on the raw URI (Spring MVC's
 * {@code DispatcherServlet}, JAX-RS runtimes) may still send it to an {@code /api/files/**} handler, which then runs
 * without any token check. Mapped to {@code /*}, this filter refuses such a path whatever the mapping of tokengate.
 * {@link TokenGateFilter#init} fails start-up when tokengate is mapped to less than {@code /*} and neither this filter
 * nor another {@link TokenGateFilter} is mapped to {@code /*}.
 *
 * <p><b>Mapping.</b> Map it to {@code /*}, before every other filter, for the REQUEST dispatch (the default when no
 * {@code <dispatcher>} is given), with async support:
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>tokengate-firewall</filter-name>
 *   <filter-class>dev.tokengate.RequestFirewallFilter</filter-class>
 *   <async-supported>true</async-supported>
 * </filter>
 * <filter-mapping>                       <!-- the first filter-mapping of web.xml -->
 *   <filter-name>tokengate-firewall</filter-name>
 *   <url-pattern>/*</url-pattern>
 * </filter-mapping>
 * }</pre>
 *
 * REQUEST is the only dispatch whose path the client chose: an ASYNC, INCLUDE or ERROR dispatch carries the request
 * URI already checked, a FORWARD one a path the application chose. The filter checks REQUEST dispatches only, so
 * mapping it to more dispatch types changes nothing. Without {@code <async-supported>} every asynchronous servlet
 * behind it fails. It takes no init-params; any given fails start-up.
 *
 * <p>When both this filter and {@link TokenGateFilter} see a request, the one that runs first checks it and the other
 * does not check it again. The mark it leaves is a request attribute holding an object only this package can make,
 * bound to the exact paths it checked, so that neither a client nor application code setting the attribute can switch
 * the check off.
 */
public final class RequestFirewallFilter implements Filter {
  private static final Logger log = LoggerFactory.getLogger(RequestFirewallFilter.class);
  /** The request attribute marking a request whose paths the firewall let through. */
  static final String CHECKED_ATTRIBUTE = RequestFirewallFilter.class.getName() + ".checked";

  // A refusal carries no challenge, so the realm is never written.
  private static final ErrorResponses RESPONSES = new ErrorResponses("api");

  /** The paths a firewall check let through; only this package can make one. */
  private record Checked(String requestUri, String contextPath, String servletPath, String pathInfo) {}

  private final ValidationListener listener;

  /** For {@code web.xml}. */
  public RequestFirewallFilter() {
    this(new ValidationListener() {});
  }

  /**
   * For programmatic registration: tells {@code listener} of every refusal, as {@link
   * ValidationListener#onRejected} with {@link BearerError#INVALID_REQUEST}. A listener that throws changes nothing.
   */
  public RequestFirewallFilter(ValidationListener listener) {
    this.listener = requireNonNull(listener, "listener");
  }

  /**
   * Checks that no init-params are given.
   *
   * @throws ServletException naming the init-param, since this filter has no settings
   */
  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    Enumeration<String> names = filterConfig.getInitParameterNames();
    if (names != null && names.hasMoreElements()) {
      String name = names.nextElement();
      throw new ServletException("tokengate filter '" + filterConfig.getFilterName() + "' is misconfigured:"
          + " dev.tokengate.RequestFirewallFilter takes no settings, but init-param '" + name + "' is given: put"
          + " tokengate's settings on the dev.tokengate.TokenGateFilter");
    }
  }

  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if (servletRequest instanceof HttpServletRequest request
        && servletResponse instanceof HttpServletResponse response
        && request.getDispatcherType() == DispatcherType.REQUEST) {
      String refusal = refusal(request);
      if (refusal != null) {
        log.debug("Refused request: {}", refusal);
        TokenGateFilter.notify(() -> listener.onRejected(BearerError.INVALID_REQUEST, refusal));
        RESPONSES.badRequest(response, refusal);
        return;
      }
    }
    chain.doFilter(servletRequest, servletResponse);
  }

  /**
   * Why the request is refused; {@code null} when it may go on, also when a firewall check already let these very
   * paths through. A request let through is marked, so that the other filter does not check it again.
   */
  static String refusal(HttpServletRequest request) {
    if (checked(request)) {
      return null;
    }
    String requestUri = request.getRequestURI();
    String contextPath = request.getContextPath();
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String refusal = RequestFirewall.refusal(requestUri, contextPath, servletPath, pathInfo);
    if (refusal == null) {
      request.setAttribute(CHECKED_ATTRIBUTE, new Checked(requestUri, contextPath, servletPath, pathInfo));
    }
    return refusal;
  }

  /**
   * Whether a firewall check let this request's current paths through. The check depends on these four strings
   * alone, so a request wrapper that changes any of them is checked again.
   */
  static boolean checked(HttpServletRequest request) {
    return request.getAttribute(CHECKED_ATTRIBUTE) instanceof Checked checked
        && Objects.equals(checked.requestUri(), request.getRequestURI())
        && Objects.equals(checked.contextPath(), request.getContextPath())
        && Objects.equals(checked.servletPath(), request.getServletPath())
        && Objects.equals(checked.pathInfo(), request.getPathInfo());
  }

  /**
   * Why this filter's raw-path rules refuse a request, or empty when they let it through; for servers that route on
   * the raw path and run no servlet filters (Spring WebFlux on Netty, say), which should then answer 400 with {@link
   * BearerResponses#body(BearerError, String) BearerResponses.body(INVALID_REQUEST, reason)} and no challenge. The
   * checks are those this filter makes before the container's own path (TRACE, {@code ;}, {@code \}, {@code //},
   * dot segments and segments ending in a dot, controls and non-ASCII, encoded {@code . / \ % ;} or controls,
   * needless or malformed percent-encoding, non-UTF-8); the servlet-path comparison needs a servlet container and is
   * not among them.
   *
   * @param method the request method, e.g. {@code GET}
   * @param rawPath the request target's path exactly as it arrived, not decoded
   * @param contextPath the application's context path, {@code ""} at the root
   */
  public static Optional<String> refusal(String method, String rawPath, String contextPath) {
    return Optional.ofNullable(RequestFirewall.rawPathRefusal(requireNonNull(method, "method"),
        requireNonNull(rawPath, "rawPath"), contextPath == null ? "" : contextPath));
  }
}
