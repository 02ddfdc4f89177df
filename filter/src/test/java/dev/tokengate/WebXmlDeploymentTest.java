package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.Poll;
import dev.tokengate.support.TestServlets;
import dev.tokengate.testing.TestIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filter deployed the way a servlet user deploys it: from a real {@code WEB-INF/web.xml} in a webapp. */
class WebXmlDeploymentTest {
  @TempDir Path webapp;
  private TestIssuer issuer;
  private Server server;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void startIssuer() {
    issuer = TestIssuer.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    issuer.close();
  }

  @Test
  void webXmlWithIssuerAndAudience_protectsAnnotatedServlets() throws Exception {
    String base = deploy(initParam("issuer", issuer.issuer()) + initParam("audiences", "api")
        + initParam("public-paths", "/health"));

    assertThat(get(base + "/health", null).statusCode()).isEqualTo(200);
    assertThat(get(base + "/whoami", null).statusCode()).isEqualTo(401);
    HttpResponse<String> accepted = get(base + "/whoami", issuer.token().sign());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).contains("name=orders-service", "authType=Bearer");
    HttpResponse<String> refused = get(base + "/countries/fr", issuer.token().scope("orders:write").sign());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("error=\"insufficient_scope\"", "scope=\"countries:read\""));
  }

  @Test
  void readmeMapping_asyncServlet_seesTheCallerAfterDispatch() throws Exception {
    String base = deploy(initParam("issuer", issuer.issuer()) + initParam("audiences", "api"));
    HttpResponse<String> response = get(base + "/async/x", issuer.token().scope("admin").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("async caller=orders-service principal=true inRole(admin)=true");
    assertThat(get(base + "/async/x", null).statusCode()).isEqualTo(401);
  }

  @Test
  void missingAudience_failsStartup_namingTheSetting() {
    assertThatThrownBy(() -> deploy(initParam("issuer", issuer.issuer())))
        .hasStackTraceContaining("tokengate filter 'tokengate' is misconfigured: Setting 'audiences' is required");
  }

  @Test
  void missingIssuer_failsStartup_namingTheSetting() {
    assertThatThrownBy(() -> deploy(initParam("audiences", "api")))
        .hasStackTraceContaining("Setting 'issuer' is required");
  }

  @Test
  void misspelledSetting_failsStartup() {
    assertThatThrownBy(() -> deploy(initParam("issuer", issuer.issuer()) + initParam("audience", "api")))
        .hasStackTraceContaining("Unknown setting 'audience'; known settings are [");
  }

  @Test
  void negativeClockSkew_failsStartup() {
    assertThatThrownBy(() -> deploy(initParam("issuer", issuer.issuer()) + initParam("audiences", "api")
            + initParam("clock-skew", "-5s")))
        .hasStackTraceContaining("Setting 'clock-skew' must be a duration such as 30s");
  }

  @Test
  void unknownAlgorithm_failsStartup() {
    assertThatThrownBy(() -> deploy(initParam("issuer", issuer.issuer()) + initParam("audiences", "api")
            + initParam("algorithms", "RS256 RS257")))
        .hasStackTraceContaining("Setting 'algorithms' names unknown or unsupported algorithm 'RS257'");
  }

  @Test
  void publicPathThatCanNeverMatch_failsStartup_namingItAndTheFix() {
    assertThatThrownBy(() -> deploy(initParam("issuer", issuer.issuer()) + initParam("audiences", "api")
            + initParam("public-paths", "/health /api/**")))
        .hasStackTraceContaining("tokengate filter 'tokengate' is misconfigured: Setting 'public-paths' entry"
            + " '/api/**' can never match: servlet url-patterns allow '*' only as a last '/*'");
  }

  @Test
  void scopeRuleThatCanNeverMatch_failsStartup_namingItAndTheFix() {
    assertThatThrownBy(() -> deploy(initParam("issuer", issuer.issuer()) + initParam("audiences", "api")
            + initParam("scope-rules", "GET /api/*/admin=admin")))
        .hasStackTraceContaining("tokengate filter 'tokengate' is misconfigured: Setting 'scope-rules' rule"
            + " 'GET /api/*/admin' can never match");
  }

  @Test
  void badIssuerUri_failsStartup() {
    assertThatThrownBy(() -> deploy(initParam("issuer", "login.example.com") + initParam("audiences", "api")))
        .hasStackTraceContaining("Setting 'issuer' must be an absolute http(s) URL");
  }

  @Test
  void redeployingTwentyTimes_withAFetchHangingAtEachStop_leavesNoTokengateThreadBehind() throws Exception {
    Set<Thread> before = threadsNamed("tokengate-");
    String base = deploy(initParam("issuer", issuer.issuer()) + initParam("audiences", "api")
        + initParam("jwks-read-timeout", "30s"));
    WebAppContext context = (WebAppContext) server.getHandler();
    assertThat(get(base + "/whoami", issuer.token().sign()).statusCode()).isEqualTo(200);
    // From now on every start-up load hangs in the body: blocking I/O that ignores interrupts, were it used.
    issuer.server().hangAfterHeaders(Duration.ofSeconds(60));

    for (int i = 0; i < 20; i++) {
      context.stop();
      Set<Thread> left = threadsNamed("tokengate-");
      left.removeAll(before);
      assertThat(left).as("tokengate threads alive after stop %s", i + 1).isEmpty();
      int started = issuer.server().jwksRequests();
      context.start();
      Poll.until("the start-up load of deployment " + (i + 2) + " is under way",
          () -> issuer.server().jwksRequests() > started);
    }
    long stopStarted = System.nanoTime();
    context.stop();
    Duration stopTook = Duration.ofNanos(System.nanoTime() - stopStarted);
    Set<Thread> left = threadsNamed("tokengate-");
    left.removeAll(before);
    assertThat(left).isEmpty();
    assertThat(stopTook).as("stop with a fetch hanging").isLessThan(Duration.ofSeconds(2));
  }

  private static Set<Thread> threadsNamed(String prefix) {
    Set<Thread> threads = new HashSet<>(Thread.getAllStackTraces().keySet());
    threads.removeIf(thread -> !thread.getName().startsWith(prefix) || !thread.isAlive());
    return threads;
  }

  private String deploy(String initParams) throws Exception {
    Path webInf = Files.createDirectories(webapp.resolve("WEB-INF"));
    Files.writeString(webInf.resolve("web.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <filter>
            <filter-name>tokengate</filter-name>
            <filter-class>dev.tokengate.TokenGateFilter</filter-class>
            <async-supported>true</async-supported>
            %s
          </filter>
          <filter-mapping>
            <filter-name>tokengate</filter-name>
            <url-pattern>/*</url-pattern>
            <dispatcher>REQUEST</dispatcher>
            <dispatcher>ASYNC</dispatcher>
            <dispatcher>FORWARD</dispatcher>
            <dispatcher>INCLUDE</dispatcher>
            <dispatcher>ERROR</dispatcher>
          </filter-mapping>
          <servlet><servlet-name>whoami</servlet-name><servlet-class>%s</servlet-class></servlet>
          <servlet-mapping><servlet-name>whoami</servlet-name><url-pattern>/whoami</url-pattern></servlet-mapping>
          <servlet><servlet-name>health</servlet-name><servlet-class>%s</servlet-class></servlet>
          <servlet-mapping><servlet-name>health</servlet-name><url-pattern>/health</url-pattern></servlet-mapping>
          <servlet><servlet-name>countries</servlet-name><servlet-class>%s</servlet-class></servlet>
          <servlet-mapping><servlet-name>countries</servlet-name><url-pattern>/countries/*</url-pattern></servlet-mapping>
          <servlet><servlet-name>async</servlet-name><servlet-class>%s</servlet-class>
            <async-supported>true</async-supported></servlet>
          <servlet-mapping><servlet-name>async</servlet-name><url-pattern>/async/*</url-pattern></servlet-mapping>
        </web-app>
        """.formatted(initParams, TestServlets.WhoAmI.class.getName(), TestServlets.Health.class.getName(),
        TestServlets.Countries.class.getName(), DispatchTest.Async.class.getName()));
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    WebAppContext context = new WebAppContext();
    context.setContextPath("/shop");
    context.setBaseResourceAsPath(webapp);
    // The test classpath holds the filter and the servlets; a real webapp would carry them in WEB-INF/lib.
    context.setParentLoaderPriority(true);
    context.setThrowUnavailableOnStartupException(true);
    server.setHandler(context);
    server.start();
    return "http://127.0.0.1:" + connector.getLocalPort() + "/shop";
  }

  private static String initParam(String name, String value) {
    return "<init-param><param-name>" + name + "</param-name><param-value>" + value + "</param-value></init-param>";
  }

  private HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
