package dev.tokengate.testing;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A real authorization-server stand-in on loopback: serves {@code /.well-known/openid-configuration} and {@code
 * /jwks}, counts requests, and can be rotated, broken, slowed down and restarted by a test.
 *
 * <p>Its issuer is its own base URL, e.g. {@code http://127.0.0.1:41234}, so discovery works against it.
 */
public final class JwksServer implements AutoCloseable {
  /**
   * What the server answers on a path instead of the normal document.
   *
   * @param status the HTTP status
   * @param contentType the {@code Content-Type}
   * @param body the body
   * @param delay how long to wait before answering (ends early when the server stops)
   * @param headers more response headers
   */
  public record Fault(int status, String contentType, String body, Duration delay, Map<String, String> headers) {
    /**
     * A fault, copying what it is given.
     *
     * @param status the HTTP status
     * @param contentType the {@code Content-Type}
     * @param body the body
     * @param delay how long to wait before answering
     * @param headers more response headers
     */
    public Fault {
      Objects.requireNonNull(contentType, "contentType");
      Objects.requireNonNull(body, "body");
      Objects.requireNonNull(delay, "delay");
      headers = Map.copyOf(headers);
    }

    /**
     * An error answer with a plain-text body.
     *
     * @param status the HTTP status, e.g. 500 or 503
     * @return the fault
     */
    public static Fault status(int status) {
      return new Fault(status, "text/plain", "error " + status, Duration.ZERO, Map.of());
    }

    /**
     * An answer with this exact body, e.g. a malformed JWKS.
     *
     * @param status the HTTP status
     * @param contentType the {@code Content-Type}
     * @param body the body
     * @return the fault
     */
    public static Fault body(int status, String contentType, String body) {
      return new Fault(status, contentType, body, Duration.ZERO, Map.of());
    }

    /**
     * An empty JWKS after {@code delay}: a server that hangs longer than a client's read timeout.
     *
     * @param delay how long to hang
     * @return the fault
     */
    public static Fault hang(Duration delay) {
      return new Fault(200, "application/json", "{\"keys\":[]}", delay, Map.of());
    }

    /**
     * A 302 redirect to {@code location}.
     *
     * @param location the {@code Location} header
     * @return the fault
     */
    public static Fault redirect(String location) {
      return new Fault(302, "text/plain", "", Duration.ZERO, Map.of("Location", location));
    }

    /**
     * A 200 JSON answer of {@code bytes} bytes: a valid-looking start, then padding, e.g. to exceed a size cap.
     *
     * @param bytes the body size
     * @return the fault
     */
    public static Fault huge(int bytes) {
      StringBuilder body = new StringBuilder(bytes).append("{\"keys\":[],\"pad\":\"");
      while (body.length() < bytes - 2) {
        body.append('x');
      }
      return new Fault(200, "application/json", body.append("\"}").toString(), Duration.ZERO, Map.of());
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final Map<String, Fault> faults = new ConcurrentHashMap<>();
  private volatile CountDownLatch released = new CountDownLatch(1);
  private volatile List<Map<String, Object>> keys = List.of();
  private volatile String rawJwks;
  private volatile String cacheControl;
  private volatile String discoveryIssuer;
  private volatile Duration jwksDelay = Duration.ZERO;
  private volatile Duration bodyDrip = Duration.ZERO;
  private volatile Duration hangAfterHeaders = Duration.ZERO;
  private int port;

  private JwksServer(int port) {
    server = new Server();
    connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        return serve(request, response, callback);
      }
    });
  }

  /**
   * Starts a server on a free loopback port, publishing no keys.
   *
   * @return the running server
   */
  public static JwksServer start() {
    return start(0);
  }

  /**
   * Starts a server on the given port (0 for any), e.g. to restart one on the port it had.
   *
   * @param port the loopback port, or 0 for a free one
   * @return the running server
   */
  public static JwksServer start(int port) {
    JwksServer jwksServer = new JwksServer(port);
    try {
      jwksServer.server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the JWKS server", e);
    }
    jwksServer.port = jwksServer.connector.getLocalPort();
    return jwksServer;
  }

  /**
   * The issuer URL: this server's base URL, e.g. {@code http://127.0.0.1:41234}.
   *
   * @return the issuer URL
   */
  public String issuer() {
    return "http://127.0.0.1:" + port;
  }

  /**
   * The JWKS URL, {@code <issuer>/jwks}, as the discovery documents name it.
   *
   * @return the JWKS URL
   */
  public String jwksUri() {
    return issuer() + "/jwks";
  }

  /**
   * The port the server listens on.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Publishes these keys' public halves as the JWKS, replacing what was there.
   *
   * @param signingKeys the keys
   * @return this server
   */
  public JwksServer publish(SigningKey... signingKeys) {
    List<Map<String, Object>> published = new ArrayList<>();
    for (SigningKey key : signingKeys) {
      published.add(key.publicJwk());
    }
    return publishJwks(published);
  }

  /**
   * Publishes these JWKs (JSON objects) as they are: public or not, valid or not, e.g. a key with {@code use: enc},
   * a symmetric key, or a key missing its modulus.
   *
   * @param jwks the keys' JSON members, e.g. from {@link SigningKey#publicJwk()}
   * @return this server
   */
  public JwksServer publishJwks(List<Map<String, Object>> jwks) {
    this.keys = List.copyOf(jwks);
    this.rawJwks = null;
    return this;
  }

  /**
   * Serves this exact text as the JWKS body (until the next {@code publish}).
   *
   * @param body the body
   * @return this server
   */
  public JwksServer publishRaw(String body) {
    this.rawJwks = body;
    return this;
  }

  /**
   * Sends {@code Cache-Control} with the JWKS, or none when {@code null}.
   *
   * @param value the header value
   * @return this server
   */
  public JwksServer cacheControl(String value) {
    this.cacheControl = value;
    return this;
  }

  /**
   * Makes the discovery documents name another issuer (a mix-up attack), or this server again when {@code null}.
   *
   * @param issuer the issuer the documents name
   * @return this server
   */
  public JwksServer discoveryIssuer(String issuer) {
    this.discoveryIssuer = issuer;
    return this;
  }

  /**
   * Delays every JWKS response by this long before answering normally.
   *
   * @param delay the delay
   * @return this server
   */
  public JwksServer jwksDelay(Duration delay) {
    this.jwksDelay = delay;
    return this;
  }

  /**
   * Sends the JWKS body one byte at a time, {@code perByte} apart (headers at once, with the true {@code
   * Content-Length}): a server that is never silent long enough for a read timeout, yet takes without limit.
   *
   * @param perByte the pause before each byte of the body
   * @return this server
   */
  public JwksServer dripBody(Duration perByte) {
    this.bodyDrip = perByte;
    return this;
  }

  /**
   * Sends the JWKS response's status and headers at once, then holds the body back for {@code delay}.
   *
   * @param delay how long the body is held back
   * @return this server
   */
  public JwksServer hangAfterHeaders(Duration delay) {
    this.hangAfterHeaders = delay;
    return this;
  }

  /**
   * Answers {@code path} (e.g. {@code /jwks}) with a fault until {@link #heal()}.
   *
   * @param path the path
   * @param fault the answer
   * @return this server
   */
  public JwksServer fail(String path, Fault fault) {
    faults.put(path, fault);
    return this;
  }

  /**
   * Removes every fault and delay.
   *
   * @return this server
   */
  public JwksServer heal() {
    faults.clear();
    jwksDelay = Duration.ZERO;
    bodyDrip = Duration.ZERO;
    hangAfterHeaders = Duration.ZERO;
    return this;
  }

  /**
   * How many requests reached {@code path}, faulty answers included.
   *
   * @param path the path
   * @return the count since start or {@link #resetCounts()}
   */
  public int requests(String path) {
    AtomicInteger count = counts.get(path);
    return count == null ? 0 : count.get();
  }

  /**
   * How many requests reached the JWKS.
   *
   * @return the count since start or {@link #resetCounts()}
   */
  public int jwksRequests() {
    return requests("/jwks");
  }

  /** Sets every request count to zero. */
  public void resetCounts() {
    counts.clear();
  }

  /**
   * Stops listening, keeping keys, faults and counts, so that the port refuses connections (an outage) until {@link
   * #restart()}.
   *
   * @return this server
   */
  public JwksServer stop() {
    close();
    return this;
  }

  /**
   * Starts listening again on the same port after {@link #stop()}.
   *
   * @return this server
   */
  public JwksServer restart() {
    released = new CountDownLatch(1);
    connector.setPort(port);
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot restart the JWKS server on port " + port, e);
    }
    return this;
  }

  /** Stops the server: its port then refuses connections. */
  @Override
  public void close() {
    released.countDown();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean serve(Request request, Response response, Callback callback) throws Exception {
    String path = Request.getPathInContext(request);
    counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    Fault fault = faults.get(path);
    if (fault != null) {
      pause(fault.delay());
      fault.headers().forEach((name, value) -> response.getHeaders().put(name, value));
      return send(response, callback, fault.status(), fault.contentType(), fault.body());
    }
    switch (path) {
      case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server" -> {
        String named = discoveryIssuer != null ? discoveryIssuer : issuer();
        return send(response, callback, 200, "application/json",
            "{\"issuer\":\"" + named + "\",\"jwks_uri\":\"" + jwksUri() + "\",\"token_endpoint\":\"" + issuer()
                + "/token\",\"grant_types_supported\":[\"client_credentials\"]}");
      }
      case "/jwks" -> {
        pause(jwksDelay);
        if (cacheControl != null) {
          response.getHeaders().put(HttpHeader.CACHE_CONTROL, cacheControl);
        }
        String body = rawJwks != null ? rawJwks : JSONObjectUtils.toJSONString(Map.of("keys", keys));
        if (!bodyDrip.isZero() || !hangAfterHeaders.isZero()) {
          return sendSlowly(response, callback, body, hangAfterHeaders, bodyDrip);
        }
        return send(response, callback, 200, "application/jwk-set+json", body);
      }
      default -> {
        return send(response, callback, 404, "text/plain", "not found");
      }
    }
  }

  private void pause(Duration delay) throws InterruptedException {
    if (!delay.isZero()) {
      // Ends early when the server is closed, so a hung response never outlives its test.
      released.await(delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Commits status and headers, waits {@code afterHeaders}, then writes the body a byte per {@code perByte}. */
  private boolean sendSlowly(Response response, Callback callback, String body, Duration afterHeaders,
      Duration perByte) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/jwk-set+json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    try {
      Callback.Completable headers = new Callback.Completable();
      response.write(false, ByteBuffer.allocate(0), headers);
      headers.get(10, TimeUnit.SECONDS);
      pause(afterHeaders);
      int step = perByte.isZero() ? bytes.length : 1;
      for (int at = 0; at < bytes.length && released.getCount() > 0; at += step) {
        Callback.Completable written = new Callback.Completable();
        response.write(false, ByteBuffer.wrap(bytes, at, Math.min(step, bytes.length - at)), written);
        written.get(10, TimeUnit.SECONDS);
        pause(perByte);
      }
      response.write(true, ByteBuffer.allocate(0), callback);
    } catch (Exception e) {
      // The client gave up and closed the connection: what a deadline is for.
      callback.failed(e);
    }
    return true;
  }

  private static boolean send(Response response, Callback callback, int status, String contentType, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    return true;
  }
}
