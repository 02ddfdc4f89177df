package dev.tokengate.support;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import dev.tokengate.TokenValidator;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real Jetty 12 on a loopback port with {@link TokenGateFilter} registered programmatically in front of the given
 * servlets, and an HTTP client to call it.
 */
public final class ApiServer implements AutoCloseable {
  private final Server server;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;

  private ApiServer(Server server, String baseUrl) {
    this.server = server;
    this.baseUrl = baseUrl;
  }

  /** Starts Jetty with the filter on {@code /*} and each servlet on its path spec. */
  public static ApiServer start(TokenGateConfig config, Map<String, Class<? extends HttpServlet>> servlets) {
    return start(new TokenGateFilter(config), servlets);
  }

  /** The standard test application behind a filter that uses {@code validator}, so a test can look inside it. */
  public static ApiServer start(TokenValidator validator) {
    return start(new TokenGateFilter(validator), standardServlets());
  }

  /** These servlets behind a filter that uses {@code validator}. */
  public static ApiServer start(TokenValidator validator, Map<String, Class<? extends HttpServlet>> servlets) {
    return start(new TokenGateFilter(validator), servlets);
  }

  /** These servlets behind this filter, e.g. one with a listener. */
  public static ApiServer start(TokenGateFilter filter, Map<String, Class<? extends HttpServlet>> servlets) {
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    // Larger than Jetty's 8 KiB default, so that the filter's own max-token-length is what a long token meets.
    http.setRequestHeaderSize(32 * 1024);
    // Jetty reuses a header it saw earlier on the same connection when a new one matches it ignoring case, so a
    // token differing from an earlier one only in letter case would arrive as the earlier token.
    http.setHeaderCacheCaseSensitive(true);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/app");
    context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    servlets.forEach((pathSpec, servlet) -> context.addServlet(new ServletHolder(servlet), pathSpec));
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start Jetty", e);
    }
    return new ApiServer(server, "http://127.0.0.1:" + connector.getLocalPort() + "/app");
  }

  /** The standard test application: see {@link TestServlets}. */
  public static ApiServer start(TokenGateConfig config) {
    return start(config, standardServlets());
  }

  private static Map<String, Class<? extends HttpServlet>> standardServlets() {
    Map<String, Class<? extends HttpServlet>> servlets = new LinkedHashMap<>();
    servlets.put("/whoami", TestServlets.WhoAmI.class);
    servlets.put("/health", TestServlets.Health.class);
    servlets.put("/countries/*", TestServlets.Countries.class);
    servlets.put("/orders/*", TestServlets.Orders.class);
    servlets.put("/reports/*", TestServlets.Reports.class);
    servlets.put("/open/*", TestServlets.WhoAmI.class);
    return servlets;
  }

  public String url(String path) {
    return baseUrl + path;
  }

  /** GET with {@code Authorization: Bearer <token>}, or with no header when {@code token} is null. */
  public HttpResponse<String> get(String path, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path))).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  /** A request with exactly the given headers (name, value, name, value, ...). */
  public HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request.build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
