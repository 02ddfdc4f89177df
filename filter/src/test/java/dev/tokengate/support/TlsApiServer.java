package dev.tokengate.support;

import dev.tokengate.testing.TestCertificates;
import dev.tokengate.TokenGateFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * A real Jetty 12 with two loopback connectors in front of the same application: plain HTTP, and TLS that asks for
 * (but does not demand) a client certificate, trusting {@link TestCertificates}' two clients.
 */
public final class TlsApiServer implements AutoCloseable {
  private final Server server;
  private final int plainPort;
  private final int tlsPort;
  private final TestCertificates certificates;
  private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

  private TlsApiServer(Server server, int plainPort, int tlsPort, TestCertificates certificates) {
    this.server = server;
    this.plainPort = plainPort;
    this.tlsPort = tlsPort;
    this.certificates = certificates;
  }

  public static TlsApiServer start(TokenGateFilter filter, Map<String, Class<? extends HttpServlet>> servlets,
      TestCertificates certificates) {
    Server server = new Server();
    ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
    plain.setHost("127.0.0.1");
    server.addConnector(plain);

    SslContextFactory.Server tls = new SslContextFactory.Server();
    tls.setKeyStore(certificates.serverKeyStore());
    tls.setKeyStorePassword(TestCertificates.PASSWORD);
    tls.setTrustStore(certificates.serverTrustStore());
    tls.setWantClientAuth(true);
    HttpConfiguration https = new HttpConfiguration();
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    ServerConnector secured = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"),
        new HttpConnectionFactory(https));
    secured.setHost("127.0.0.1");
    server.addConnector(secured);

    ServletContextHandler context = new ServletContextHandler("/app");
    context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    servlets.forEach((pathSpec, servlet) -> context.addServlet(new ServletHolder(servlet), pathSpec));
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start Jetty", e);
    }
    return new TlsApiServer(server, plain.getLocalPort(), secured.getLocalPort(), certificates);
  }

  /** The application's URL over TLS. */
  public String tlsUrl(String path) {
    return "https://127.0.0.1:" + tlsPort + "/app" + path;
  }

  /** The application's URL over plain HTTP. */
  public String plainUrl(String path) {
    return "http://127.0.0.1:" + plainPort + "/app" + path;
  }

  /**
   * GET over TLS presenting {@code clientCertificate} ({@code null}: none), with {@code Authorization: Bearer token}
   * (none when null) and the extra headers (name, value, ...).
   */
  public HttpResponse<String> tls(String clientCertificate, String path, String token, String... headers) {
    return send(client(clientCertificate), tlsUrl(path), token, headers);
  }

  private HttpClient client(String clientCertificate) {
    return clients.computeIfAbsent(clientCertificate == null ? "" : clientCertificate,
        alias -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .sslContext(certificates.clientContext(alias.isEmpty() ? null : alias))
            .build());
  }

  /** GET over TLS presenting {@code clientCertificate} ({@code null}: none), with {@code Authorization: DPoP}. */
  public HttpResponse<String> tlsDpop(String clientCertificate, String path, String token, String proof) {
    return send(client(clientCertificate), tlsUrl(path), null, "Authorization", "DPoP " + token, "DPoP", proof);
  }

  /** GET over plain HTTP, as {@link #tls} but without TLS. */
  public HttpResponse<String> plain(String path, String token, String... headers) {
    HttpClient client = clients.computeIfAbsent("plain",
        alias -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    return send(client, plainUrl(path), token, headers);
  }

  private static HttpResponse<String> send(HttpClient client, String url, String token, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
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
