package dev.tokengate.testing;

import static java.util.Objects.requireNonNull;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A servlet application protected by tokengate, running in an embedded Jetty 12 on a loopback port and pointed at a
 * {@link TestIssuer}: the one-call way to test a {@code web.xml} application's real filter configuration.
 *
 * <pre>{@code
 * try (ServletApp app = ServletApp.webApp(Path.of("src/main/webapp")).start(issuer)) {
 *   assertThat(app.get("/orders", issuer.token().scope("orders:read").sign()).statusCode()).isEqualTo(200);
 * }
 * }</pre>
 *
 * <p>The application's own tokengate settings are used as they are, except {@code issuer} (and {@code jwks-uri}, when
 * set), which name the test issuer instead; {@link Deployment#setting} overrides any other. The filter is found by
 * class name ({@value #FILTER_CLASS}), so the application's own {@code tokengate-filter} dependency is the one
 * tested. The application's classes come from the test classpath.
 */
public final class ServletApp implements AutoCloseable {
  /** The class name of the tokengate filter, as {@code web.xml} names it. */
  public static final String FILTER_CLASS = "dev.tokengate.TokenGateFilter";

  private final Server server;
  private final String baseUrl;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServletApp(Server server, String baseUrl) {
    this.server = server;
    this.baseUrl = baseUrl;
  }

  /**
   * A webapp directory holding {@code WEB-INF/web.xml}, e.g. {@code src/main/webapp}, as a container would deploy it.
   *
   * @param webappDirectory the directory
   * @return the deployment, to start
   */
  public static Deployment webApp(Path webappDirectory) {
    requireNonNull(webappDirectory, "webappDirectory");
    return new Deployment(webappDirectory, webappDirectory.resolve("WEB-INF/web.xml"), null);
  }

  /**
   * A {@code web.xml} file on its own (no static resources).
   *
   * @param webXml the descriptor
   * @return the deployment, to start
   */
  public static Deployment webXml(Path webXml) {
    requireNonNull(webXml, "webXml");
    return new Deployment(null, webXml, null);
  }

  /**
   * The filter registered in code on {@code /*} with these settings (the {@code web.xml} init-params), in front of
   * the servlets given with {@link Deployment#servlet}.
   *
   * @param settings the filter's init-params, e.g. {@code audiences} and {@code scope-rules}
   * @return the deployment, to start
   */
  public static Deployment filter(Map<String, String> settings) {
    requireNonNull(settings, "settings");
    return new Deployment(null, null, new LinkedHashMap<>(settings));
  }

  /**
   * The application's base URL, context path included, e.g. {@code http://127.0.0.1:41235/app}.
   *
   * @return the base URL
   */
  public String baseUrl() {
    return baseUrl;
  }

  /**
   * The URI of a path of the application.
   *
   * @param path a path starting with {@code /}, with a query if wanted
   * @return the URI
   */
  public URI uri(String path) {
    return URI.create(baseUrl + path);
  }

  /**
   * Sends {@code GET path}, with {@code Authorization: Bearer <token>} unless the token is {@code null}.
   *
   * @param path the path
   * @param token the access token, or {@code null} for none
   * @return the response
   */
  public HttpResponse<String> get(String path, String token) {
    return send("GET", path, token);
  }

  /**
   * Sends a request without a body, with {@code Authorization: Bearer <token>} unless the token is {@code null}.
   *
   * @param method the HTTP method
   * @param path the path
   * @param token the access token, or {@code null} for none
   * @return the response
   */
  public HttpResponse<String> send(String method, String path, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request.build());
  }

  /**
   * Sends any request, e.g. one built on {@link #uri(String)} with a body.
   *
   * @param request the request
   * @return the response, its body as a string
   */
  public HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Stops Jetty. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop Jetty", e);
    }
  }

  /** What to deploy; {@link #start(TestIssuer)} runs it. */
  public static final class Deployment {
    private final Path webappDirectory;
    private final Path webXml;
    private final Map<String, String> filterSettings;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final Map<String, Class<? extends Servlet>> servlets = new LinkedHashMap<>();
    private String contextPath = "/app";

    private Deployment(Path webappDirectory, Path webXml, Map<String, String> filterSettings) {
      this.webappDirectory = webappDirectory;
      this.webXml = webXml;
      this.filterSettings = filterSettings;
    }

    /**
     * Adds a servlet (with {@link #filter(Map)}; a {@code web.xml} declares its own).
     *
     * @param pathSpec a servlet path spec, e.g. {@code /orders/*}
     * @param servlet the servlet class
     * @return this deployment
     */
    public Deployment servlet(String pathSpec, Class<? extends Servlet> servlet) {
      if (filterSettings == null) {
        throw new IllegalStateException("a web.xml deployment declares its servlets in the web.xml");
      }
      servlets.put(requireNonNull(pathSpec, "pathSpec"), requireNonNull(servlet, "servlet"));
      return this;
    }

    /**
     * Overrides one tokengate setting for the test, e.g. {@code clock-skew}.
     *
     * @param name the setting (init-param) name
     * @param value its value
     * @return this deployment
     */
    public Deployment setting(String name, String value) {
      overrides.put(requireNonNull(name, "name"), requireNonNull(value, "value"));
      return this;
    }

    /**
     * The context path; {@code /app} by default.
     *
     * @param contextPath a path starting with {@code /}, or {@code ""} for the root
     * @return this deployment
     */
    public Deployment contextPath(String contextPath) {
      requireNonNull(contextPath, "contextPath");
      if (!contextPath.isEmpty() && (!contextPath.startsWith("/") || contextPath.endsWith("/"))) {
        throw new IllegalArgumentException("contextPath must be \"\" or start but not end with /, was " + contextPath);
      }
      this.contextPath = contextPath;
      return this;
    }

    /**
     * Starts Jetty with the application pointed at {@code issuer}. A misconfigured filter fails here, with the
     * filter's message naming the setting.
     *
     * @param issuer the running test issuer
     * @return the running application; close it when done
     */
    public ServletApp start(TestIssuer issuer) {
      requireNonNull(issuer, "issuer");
      requireFilterOnClasspath();
      Map<String, String> pointed = new LinkedHashMap<>(overrides);
      pointed.putIfAbsent("issuer", issuer.issuer());
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      if (filterSettings != null) {
        server.setHandler(programmatic(pointed, issuer));
      } else {
        server.setHandler(fromWebXml(pointed, issuer));
      }
      try {
        server.start();
      } catch (Exception e) {
        stopQuietly(server);
        throw new IllegalStateException("The application did not start: " + rootMessage(e), e);
      }
      return new ServletApp(server, "http://127.0.0.1:" + connector.getLocalPort() + contextPath);
    }

    private ServletContextHandler programmatic(Map<String, String> pointed, TestIssuer issuer) {
      Map<String, String> settings = new LinkedHashMap<>(filterSettings);
      if (settings.containsKey("jwks-uri")) {
        pointed.putIfAbsent("jwks-uri", issuer.jwksUri());
      }
      settings.putAll(pointed);
      ServletContextHandler context = new ServletContextHandler(contextPath);
      FilterHolder filter = new FilterHolder();
      filter.setName("tokengate");
      filter.setClassName(FILTER_CLASS);
      filter.setInitParameters(settings);
      context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
      servlets.forEach((pathSpec, servlet) -> context.addServlet(new ServletHolder(servlet), pathSpec));
      return context;
    }

    private WebAppContext fromWebXml(Map<String, String> pointed, TestIssuer issuer) {
      if (!Files.isRegularFile(webXml)) {
        throw new IllegalArgumentException("No web.xml at " + webXml.toAbsolutePath());
      }
      Map<String, Boolean> filters = tokengateFilters(webXml);
      if (filters.isEmpty()) {
        throw new IllegalArgumentException(webXml + " declares no filter of class " + FILTER_CLASS);
      }
      WebAppContext context = new WebAppContext();
      context.setContextPath(contextPath);
      try {
        Path base = webappDirectory != null ? webappDirectory : Files.createTempDirectory("tokengate-webapp");
        context.setBaseResourceAsPath(base);
        context.setDescriptor(webXml.toAbsolutePath().toString());
        context.addOverrideDescriptor(overrideDescriptor(filters, pointed, issuer).toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      // The application's classes and its tokengate-filter are on the test classpath, not in WEB-INF/lib.
      context.setParentLoaderPriority(true);
      context.setThrowUnavailableOnStartupException(true);
      return context;
    }

    /** An override-web.xml (applied by Jetty after web.xml) replacing the settings the test points elsewhere. */
    private static Path overrideDescriptor(Map<String, Boolean> filters, Map<String, String> pointed,
        TestIssuer issuer) throws IOException {
      StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          + "<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"6.0\">\n");
      filters.forEach((name, hasJwksUri) -> {
        Map<String, String> params = new LinkedHashMap<>(pointed);
        if (hasJwksUri) {
          params.putIfAbsent("jwks-uri", issuer.jwksUri());
        }
        xml.append("  <filter>\n    <filter-name>").append(escape(name)).append("</filter-name>\n");
        params.forEach((param, value) -> xml.append("    <init-param><param-name>").append(escape(param))
            .append("</param-name><param-value>").append(escape(value)).append("</param-value></init-param>\n"));
        xml.append("  </filter>\n");
      });
      Path file = Files.createTempFile("tokengate-override-web", ".xml");
      file.toFile().deleteOnExit();
      return Files.writeString(file, xml.append("</web-app>\n").toString());
    }

    /** The names of the tokengate filters a web.xml declares, each with whether it sets {@code jwks-uri}. */
    private static Map<String, Boolean> tokengateFilters(Path webXml) {
      try {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(webXml.toFile());
        Map<String, Boolean> filters = new LinkedHashMap<>();
        NodeList declared = document.getElementsByTagNameNS("*", "filter");
        for (int i = 0; i < declared.getLength(); i++) {
          Element filter = (Element) declared.item(i);
          if (FILTER_CLASS.equals(text(filter, "filter-class"))) {
            filters.put(text(filter, "filter-name"), paramNames(filter).contains("jwks-uri"));
          }
        }
        return filters;
      } catch (Exception e) {
        throw new IllegalArgumentException("Cannot read " + webXml + ": " + e.getMessage(), e);
      }
    }

    private static List<String> paramNames(Element filter) {
      List<String> names = new ArrayList<>();
      NodeList params = filter.getElementsByTagNameNS("*", "init-param");
      for (int i = 0; i < params.getLength(); i++) {
        names.add(text((Element) params.item(i), "param-name"));
      }
      return names;
    }

    private static String text(Element parent, String child) {
      NodeList nodes = parent.getElementsByTagNameNS("*", child);
      return nodes.getLength() == 0 ? null : nodes.item(0).getTextContent().trim();
    }

    private static String escape(String text) {
      return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void requireFilterOnClasspath() {
      try {
        Class.forName(FILTER_CLASS, false, Thread.currentThread().getContextClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(FILTER_CLASS + " is not on the test classpath: add the dependency "
            + "dev.tokengate:tokengate-filter to the project");
      }
    }

    private static void stopQuietly(Server server) {
      try {
        server.stop();
      } catch (Exception ignored) {
        // The start failure is what the caller needs to see.
      }
    }

    private static String rootMessage(Throwable e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root.getMessage();
    }
  }
}
