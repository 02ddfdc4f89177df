package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.RawHttp;
import dev.tokengate.testing.TestIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A web.xml that maps the filter to some paths only while a servlet carrying {@code @RequiredScope} sits elsewhere:
 * that servlet would answer without any token. Start-up fails instead, naming the servlet and the fix. Real Jetty.
 * The request firewall is mapped to every path, as a narrow mapping requires (see NarrowMappingTest), so that the
 * check under test is the servlet coverage one.
 */
class FilterMappingGapTest {
  @TempDir Path webapp;
  private TestIssuer issuer;
  private Server server;

  @BeforeEach
  void start() {
    issuer = TestIssuer.start();
    CountingServlets.HANDLED.clear();
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
    issuer.close();
  }

  @Test
  void annotatedServletOutsideTheFiltersPatterns_failsStartup_namingItAndTheFix() {
    assertThatThrownBy(() -> deploy("/api/*", "/orders/*"))
        .hasStackTraceContaining("tokengate filter 'tokengate' is mapped to [/api/*], but servlet 'orders' carries"
            + " @RequiredScope and is mapped to [/orders/*], which the filter does not see: it would run without"
            + " any token. Map the filter to /*");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }

  @Test
  void annotatedExtensionMapping_isNotCoveredByAPrefixFilter() {
    assertThatThrownBy(() -> deploy("/api/*", "*.orders"))
        .hasStackTraceContaining("servlet 'orders' carries @RequiredScope and is mapped to [*.orders]");
  }

  @Test
  void annotatedServletInsideTheFiltersPatterns_starts_andIsGuarded() throws Exception {
    int port = deploy("/api/*", "/api/orders/*");
    assertThat(RawHttp.send(port, "GET", "/shop/api/orders/1").status()).isEqualTo(401);
    assertThat(RawHttp.send(port, "GET", "/shop/api/orders/1",
        "Authorization: Bearer " + issuer.token().scope("orders:read").sign()).status()).isEqualTo(200);
    assertThat(CountingServlets.HANDLED).containsExactly("Orders /api/orders/1");
  }

  private int deploy(String filterPattern, String ordersPattern) throws Exception {
    Path webInf = Files.createDirectories(webapp.resolve("WEB-INF"));
    Files.writeString(webInf.resolve("web.xml"), """
        <?xml version="1.0" encoding="UTF-8"?>
        <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
          <filter>
            <filter-name>firewall</filter-name>
            <filter-class>dev.tokengate.RequestFirewallFilter</filter-class>
          </filter>
          <filter-mapping><filter-name>firewall</filter-name><url-pattern>/*</url-pattern></filter-mapping>
          <filter>
            <filter-name>tokengate</filter-name>
            <filter-class>dev.tokengate.TokenGateFilter</filter-class>
            <init-param><param-name>issuer</param-name><param-value>%s</param-value></init-param>
            <init-param><param-name>audiences</param-name><param-value>api</param-value></init-param>
          </filter>
          <filter-mapping><filter-name>tokengate</filter-name><url-pattern>%s</url-pattern></filter-mapping>
          <servlet><servlet-name>orders</servlet-name><servlet-class>%s</servlet-class></servlet>
          <servlet-mapping><servlet-name>orders</servlet-name><url-pattern>%s</url-pattern></servlet-mapping>
          <servlet><servlet-name>files</servlet-name><servlet-class>%s</servlet-class></servlet>
          <servlet-mapping><servlet-name>files</servlet-name><url-pattern>/files/*</url-pattern></servlet-mapping>
        </web-app>
        """.formatted(issuer.issuer(), filterPattern, CountingServlets.Orders.class.getName(), ordersPattern,
        CountingServlets.Files.class.getName()));
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    WebAppContext context = new WebAppContext();
    context.setContextPath("/shop");
    context.setBaseResourceAsPath(webapp);
    context.setParentLoaderPriority(true);
    context.setThrowUnavailableOnStartupException(true);
    server.setHandler(context);
    server.start();
    return connector.getLocalPort();
  }
}
