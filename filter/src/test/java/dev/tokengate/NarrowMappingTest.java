package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.RawHttp;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * tokengate mapped to fewer paths than {@code /*}, on Jetty 12. The container picks filters by the normalized path,
 * so {@code /api/files/..;/..;/anything} (servlet path {@code /anything}) never meets a filter mapped to {@code
 * /api/*}, while an application that routes on the raw URI (here {@link RawRouter}, as Spring MVC's {@code
 * DispatcherServlet} does) still sends it to its files handler. Such a mapping fails start-up unless {@link
 * RequestFirewallFilter} is mapped to {@code /*}; with it, those URIs are refused before any handler.
 */
class NarrowMappingTest {
  /** "handler raw-path" of every request the router handled. */
  static final List<String> HANDLED = new CopyOnWriteArrayList<>();

  private static final String FIREWALL = "dev.tokengate.RequestFirewallFilter";

  @TempDir Path webapp;
  private TestIssuer issuer;
  private final List<Server> servers = new ArrayList<>();

  @BeforeEach
  void startIssuer() {
    issuer = TestIssuer.start();
    HANDLED.clear();
  }

  @AfterEach
  void stop() throws Exception {
    for (Server server : servers) {
      server.stop();
    }
    issuer.close();
  }

  private static String narrowMessage(String name, String urlPatterns, String servletNames) {
    return "tokengate filter '" + name + "' is misconfigured: it is mapped to url-patterns " + urlPatterns
        + " and servlet-names " + servletNames + ", not to /*, and no dev.tokengate.RequestFirewallFilter is mapped"
        + " to /*. The container picks filters by the normalized path, so a request outside that mapping"
        + " (/api/files/..;/..;/x has the servlet path /x) skips the request firewall, while a framework routing on"
        + " the raw URI can still send it to a protected handler. Either map tokengate to /* and list the paths that"
        + " need no token in 'public-paths', or also map dev.tokengate.RequestFirewallFilter to /* (before other"
        + " filters)";
  }

  @Test
  void narrowUrlPattern_withoutTheFirewallFilter_failsStartup_namingTheMappingAndBothFixes() throws Exception {
    webXml(tokengateMapping("<url-pattern>/api/*</url-pattern>"));
    assertThatThrownBy(() -> start(UriCompliance.DEFAULT))
        .hasStackTraceContaining(narrowMessage("tokengate", "[/api/*]", "[]"));
  }

  @Test
  void severalNarrowUrlPatterns_failStartup() throws Exception {
    webXml(tokengateMapping("<url-pattern>/api/*</url-pattern><url-pattern>/admin/*</url-pattern>"));
    assertThatThrownBy(() -> start(UriCompliance.DEFAULT))
        .hasStackTraceContaining(narrowMessage("tokengate", "[/admin/*, /api/*]", "[]"));
  }

  @Test
  void servletNameMapping_isNarrow_andFailsStartup() throws Exception {
    webXml(tokengateMapping("<servlet-name>router</servlet-name>"));
    assertThatThrownBy(() -> start(UriCompliance.DEFAULT))
        .hasStackTraceContaining(narrowMessage("tokengate", "[]", "[router]"));
  }

  // Tomcat matches a filter's "/" against the path "/" alone; only "/*" means every path on every container.
  @Test
  void slashPattern_isNarrow_andFailsStartup() throws Exception {
    webXml(tokengateMapping("<url-pattern>/</url-pattern>"));
    assertThatThrownBy(() -> start(UriCompliance.DEFAULT))
        .hasStackTraceContaining(narrowMessage("tokengate", "[/]", "[]"));
  }

  @Test
  void firewallFilterOnANarrowPattern_doesNotCount() throws Exception {
    webXml(firewallMapping("/api/*") + tokengateMapping("<url-pattern>/api/*</url-pattern>"));
    assertThatThrownBy(() -> start(UriCompliance.DEFAULT))
        .hasStackTraceContaining(narrowMessage("tokengate", "[/api/*]", "[]"));
  }

  @Test
  void firewallFilterWithAnInitParam_failsStartup() throws Exception {
    webXml(tokengateMapping("<url-pattern>/*</url-pattern>"), "<init-param><param-name>issuer</param-name>"
        + "<param-value>https://login.example.com</param-value></init-param>");
    assertThatThrownBy(() -> start(UriCompliance.DEFAULT))
        .hasStackTraceContaining("tokengate filter 'tokengate-firewall' is misconfigured:"
            + " dev.tokengate.RequestFirewallFilter takes no settings, but init-param 'issuer' is given: put"
            + " tokengate's settings on the dev.tokengate.TokenGateFilter");
  }

  @Test
  void programmaticNarrowMapping_withoutTheFirewallFilter_failsStartup() {
    ServletContextHandler context = programmatic(false);
    assertThatThrownBy(() -> start(UriCompliance.DEFAULT, context))
        .hasStackTraceContaining(narrowMessage("tokengate", "[/api/*]", "[]"));
  }

  @Test
  void programmaticNarrowMapping_withTheFirewallFilter_refusesWhatWouldPassAroundIt() throws Exception {
    int port = start(UriCompliance.UNSAFE, programmatic(true));
    RawHttp.Response hostile = RawHttp.send(port, "GET", "/shop/api/files/..;/..;/anything");
    assertThat(hostile.status()).isEqualTo(400);
    assertThat(hostile.body()).isEqualTo(firewallBody("The request path contains a path parameter (;)"));
    assertThat(RawHttp.send(port, "GET", "/shop/api/files/x").status()).isEqualTo(401);
    assertThat(RawHttp.send(port, "GET", "/shop/other/x").status()).isEqualTo(200);
    assertThat(HANDLED).containsExactly("other /other/x");
  }

  /**
   * Each target's servlet path is outside {@code /api/*}, or is resolved there only after decoding, while its raw URI
   * starts with {@code /api/files/}: without the firewall filter, the router would run the files handler without a
   * token. On Jetty with UNSAFE compliance (so that Jetty lets each through) the firewall's own answer is asserted; on
   * Jetty's default compliance, only that it is 400 and no handler ran.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      /shop/api/files/..;/..;/anything          | The request path contains a path parameter (;)
      /shop/api/files/..;/..;/public/ping       | The request path contains a path parameter (;)
      /shop/api/files/%2e%2e/%2e%2e/anything    | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/api/files/%2E%2E/%2E%2E/anything    | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/api/files/.%2e/.%2e/anything        | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/api/files/../../anything            | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/api/files/./.././../anything        | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/api/files//..//..//anything         | The request path contains an empty segment (//)
      /shop/api/files/..%2f..%2fanything        | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/api/files/..%5c..%5canything        | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/api/files/%252e%252e/anything       | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/api/files/..\\..\\anything          | The request path contains a backslash
      /shop/api;x=y/files/x                     | The request path contains a path parameter (;)
      /shop/api%2ffiles%2fx                     | The request path contains an encoded dot, slash, backslash, percent or semicolon
      /shop/%61pi/files/x                       | The request path contains an encoded character that needs no encoding
      /shop/api./files/x                        | The request path contains a segment ending in a dot (., .. or a trailing dot)
      /shop/api%20/files/x                      | The request path contains a segment ending in an encoded space
      /shop/other/..;/api/files/x               | The request path contains a path parameter (;)
      """)
  void hostileUri_withTheFirewallFilter_isRefusedBeforeAnyHandler(String target, String reason) throws Exception {
    webXml(firewallMapping("/*") + tokengateMapping("<url-pattern>/api/*</url-pattern>"));
    int permissive = start(UriCompliance.UNSAFE);
    int strict = start(UriCompliance.DEFAULT);
    String raw = target.replace("\\\\", "\\");

    RawHttp.Response onPermissive = RawHttp.send(permissive, "GET", raw);
    assertThat(HANDLED).as("handlers run for %s on permissive Jetty", raw).isEmpty();
    assertThat(onPermissive.status()).as("permissive Jetty, %s", raw).isEqualTo(400);
    assertThat(onPermissive.body()).isEqualTo(firewallBody(reason));
    assertThat(onPermissive.header("WWW-Authenticate")).as("no challenge: a token would not help").isEmpty();
    assertThat(onPermissive.header("Cache-Control")).hasValue("no-store");
    RawHttp.Response onStrict = RawHttp.send(strict, "GET", raw);
    assertThat(onStrict.status()).as("default Jetty, %s", raw).isEqualTo(400);
    assertThat(HANDLED).as("handlers run for %s on default Jetty", raw).isEmpty();
  }

  /** Inside the mapping a token is needed, outside it none, as before; both are checked by the firewall once. */
  @Test
  void normalUris_withTheFirewallFilter_behaveAsTheMappingSays() throws Exception {
    webXml(firewallMapping("/*") + tokengateMapping("<url-pattern>/api/*</url-pattern>"));
    int port = start(UriCompliance.UNSAFE);
    String token = issuer.token().sign();

    RawHttp.Response noToken = RawHttp.send(port, "GET", "/shop/api/files/x");
    assertThat(noToken.status()).isEqualTo(401);
    assertThat(noToken.header("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    assertThat(HANDLED).isEmpty();
    RawHttp.Response accepted = RawHttp.send(port, "GET", "/shop/api/files/a%20b", "Authorization: Bearer " + token);
    assertThat(accepted.status()).isEqualTo(200);
    assertThat(accepted.body()).isEqualTo("handler=files caller=orders-service firewallMark=true");
    RawHttp.Response outside = RawHttp.send(port, "GET", "/shop/other/x");
    assertThat(outside.status()).isEqualTo(200);
    assertThat(outside.body()).isEqualTo("handler=other caller=null firewallMark=true");
    assertThat(HANDLED).containsExactly("files /api/files/a%20b", "other /other/x");
  }

  /** Declared after tokengate, the firewall filter still covers every path, and tokengate checks what it sees first. */
  @Test
  void firewallFilterAfterTokengate_coversEveryPathToo() throws Exception {
    webXml(tokengateMapping("<url-pattern>/api/*</url-pattern>") + firewallMapping("/*"));
    int port = start(UriCompliance.UNSAFE);
    RawHttp.Response outside = RawHttp.send(port, "GET", "/shop/api/files/..;/..;/anything");
    assertThat(outside.status()).isEqualTo(400);
    assertThat(outside.body()).isEqualTo(firewallBody("The request path contains a path parameter (;)"));
    RawHttp.Response inside = RawHttp.send(port, "GET", "/shop/api/files/x%2e.csv");
    assertThat(inside.status()).isEqualTo(400);
    RawHttp.Response accepted = RawHttp.send(port, "GET", "/shop/api/files/x",
        "Authorization: Bearer " + issuer.token().sign());
    assertThat(accepted.body()).isEqualTo("handler=files caller=orders-service firewallMark=true");
    assertThat(HANDLED).containsExactly("files /api/files/x");
  }

  @Test
  void anotherTokengateFilterOnEveryPath_countsAsTheFirewall() throws Exception {
    webXml(tokengateMapping("<url-pattern>/api/*</url-pattern>") + """
        <filter-mapping><filter-name>tokengate-everywhere</filter-name><url-pattern>/*</url-pattern></filter-mapping>
        """);
    int port = start(UriCompliance.UNSAFE);
    assertThat(RawHttp.send(port, "GET", "/shop/api/files/..;/..;/anything").status()).isEqualTo(400);
    assertThat(RawHttp.send(port, "GET", "/shop/other/x").status()).isEqualTo(401);
    assertThat(HANDLED).isEmpty();
  }

  /** The default mapping alone is unchanged: it starts, refuses, and leaves no mark on the requests it lets through. */
  @Test
  void everyPathMapping_alone_startsAsBefore_andMarksNothing() throws Exception {
    webXml(tokengateMapping("<url-pattern>/*</url-pattern>"));
    int port = start(UriCompliance.UNSAFE);
    assertThat(RawHttp.send(port, "GET", "/shop/api/files/..;/..;/anything").status()).isEqualTo(400);
    RawHttp.Response accepted = RawHttp.send(port, "GET", "/shop/api/files/x",
        "Authorization: Bearer " + issuer.token().sign());
    assertThat(accepted.body()).isEqualTo("handler=files caller=orders-service firewallMark=false");
  }

  /**
   * Application code that sets the marker attribute itself cannot switch tokengate's own check off: the forged mark
   * is ignored and tokengate (running before the firewall filter) refuses with 400, not the 401 it would answer had
   * it skipped the check.
   */
  @Test
  void markerSetByApplicationCode_doesNotSwitchTheCheckOff() throws Exception {
    webXml("""
        <filter-mapping><filter-name>forger</filter-name><url-pattern>/*</url-pattern></filter-mapping>
        """ + tokengateMapping("<url-pattern>/*</url-pattern>") + firewallMapping("/*"));
    int port = start(UriCompliance.UNSAFE);
    RawHttp.Response response = RawHttp.send(port, "GET", "/shop/api/files/..;/..;/anything");
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body()).isEqualTo(firewallBody("The request path contains a path parameter (;)"));
    assertThat(HANDLED).isEmpty();
  }

  /** The mark holds the paths that were checked: a wrapper that changes them after the firewall filter is checked again. */
  @Test
  void pathChangedByAWrapperAfterTheFirewallFilter_isCheckedAgain() throws Exception {
    webXml(firewallMapping("/*") + """
        <filter-mapping><filter-name>rewriter</filter-name><url-pattern>/*</url-pattern></filter-mapping>
        """ + tokengateMapping("<url-pattern>/*</url-pattern>"));
    int port = start(UriCompliance.UNSAFE);
    RawHttp.Response response = RawHttp.send(port, "GET", "/shop/other/x",
        "Authorization: Bearer " + issuer.token().sign());
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body()).isEqualTo(firewallBody("The request path contains a path parameter (;)"));
    assertThat(HANDLED).isEmpty();
  }

  private static String firewallBody(String reason) {
    return "{\"error\":\"invalid_request\",\"error_description\":\"" + reason + "\"}";
  }

  private static String tokengateMapping(String target) {
    return "<filter-mapping><filter-name>tokengate</filter-name>" + target + "<dispatcher>REQUEST</dispatcher>"
        + "<dispatcher>ASYNC</dispatcher><dispatcher>FORWARD</dispatcher><dispatcher>INCLUDE</dispatcher>"
        + "<dispatcher>ERROR</dispatcher></filter-mapping>\n";
  }

  private static String firewallMapping(String urlPattern) {
    return "<filter-mapping><filter-name>tokengate-firewall</filter-name><url-pattern>" + urlPattern
        + "</url-pattern></filter-mapping>\n";
  }

  private void webXml(String mappings) throws IOException {
    webXml(mappings, "");
  }

  /** The filters declared once; {@code mappings} decides which are mapped where, in which order. */
  private void webXml(String mappings, String firewallInitParams) throws IOException {
    String settings = "<init-param><param-name>issuer</param-name><param-value>" + issuer.issuer()
        + "</param-value></init-param><init-param><param-name>audiences</param-name><param-value>api</param-value>"
        + "</init-param>";
    Path webInf = Files.createDirectories(webapp.resolve("WEB-INF"));
    Files.writeString(webInf.resolve("web.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <filter><filter-name>tokengate</filter-name><filter-class>dev.tokengate.TokenGateFilter</filter-class>
            <async-supported>true</async-supported>%1$s</filter>
          <filter><filter-name>tokengate-everywhere</filter-name><filter-class>dev.tokengate.TokenGateFilter</filter-class>
            <async-supported>true</async-supported>%1$s</filter>
          <filter><filter-name>tokengate-firewall</filter-name><filter-class>%2$s</filter-class>
            <async-supported>true</async-supported>%3$s</filter>
          <filter><filter-name>forger</filter-name><filter-class>%4$s</filter-class></filter>
          <filter><filter-name>rewriter</filter-name><filter-class>%5$s</filter-class></filter>
          %6$s
          <servlet><servlet-name>router</servlet-name><servlet-class>%7$s</servlet-class></servlet>
          <servlet-mapping><servlet-name>router</servlet-name><url-pattern>/</url-pattern></servlet-mapping>
        </web-app>
        """.formatted(settings, FIREWALL, firewallInitParams, MarkerForger.class.getName(),
        PathRewriter.class.getName(), mappings, RawRouter.class.getName()));
  }

  private ServletContextHandler programmatic(boolean withFirewallFilter) {
    ServletContextHandler context = new ServletContextHandler("/shop");
    if (withFirewallFilter) {
      context.addFilter(new FilterHolder(new RequestFirewallFilter()), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    FilterHolder tokengate = new FilterHolder(new TokenGateFilter(TokenGateConfig.builder()
        .issuer(issuer.issuer()).audiences("api").build()));
    tokengate.setName("tokengate");
    context.addFilter(tokengate, "/api/*", EnumSet.allOf(DispatcherType.class));
    context.addServlet(new ServletHolder(new RawRouter()), "/");
    return context;
  }

  private int start(UriCompliance compliance) throws Exception {
    WebAppContext context = new WebAppContext();
    context.setContextPath("/shop");
    context.setBaseResourceAsPath(webapp);
    // The test classpath holds the filters and the servlet; a real webapp would carry them in WEB-INF/lib.
    context.setParentLoaderPriority(true);
    context.setThrowUnavailableOnStartupException(true);
    return start(compliance, context);
  }

  private int start(UriCompliance compliance, ServletContextHandler context) throws Exception {
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    http.setUriCompliance(compliance);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    if (compliance == UriCompliance.UNSAFE) {
      context.getServletHandler().setDecodeAmbiguousURIs(true);
    }
    server.setHandler(context);
    servers.add(server);
    server.start();
    return connector.getLocalPort();
  }

  /**
   * Routes on the raw request URI, as Spring MVC's {@code DispatcherServlet} and JAX-RS runtimes do: whatever starts
   * with {@code /api/files/} goes to the files handler. Mapped to {@code /}, so every path reaches it.
   */
  public static class RawRouter extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      String raw = request.getRequestURI().substring(request.getContextPath().length());
      String handler = raw.startsWith("/api/files/") ? "files" : "other";
      HANDLED.add(handler + " " + raw);
      response.setContentType("text/plain");
      response.getWriter().print("handler=" + handler + " caller=" + request.getRemoteUser() + " firewallMark="
          + RequestFirewallFilter.checked(request));
    }
  }

  /** Application code setting the firewall's marker attribute to things of its own. */
  public static class MarkerForger implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      request.setAttribute(RequestFirewallFilter.CHECKED_ATTRIBUTE, Boolean.TRUE);
      chain.doFilter(request, response);
    }
  }

  /** A wrapper that changes the raw URI the firewall filter checked, keeping the servlet path. */
  public static class PathRewriter implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      HttpServletRequest http = (HttpServletRequest) request;
      chain.doFilter(new HttpServletRequestWrapper(http) {
        @Override
        public String getRequestURI() {
          return http.getContextPath() + "/public/..;" + http.getServletPath();
        }
      }, response);
    }
  }
}
