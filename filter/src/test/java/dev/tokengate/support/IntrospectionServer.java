package dev.tokengate.support;

import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.testing.SigningKey;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * A real RFC 7662 introspection endpoint on a loopback port (a Jetty server): it knows the tokens a test
 * activates, answers {@code {"active":false}} for any other, authenticates its client by {@code client_secret_basic}
 * or {@code client_secret_post}, records every call, and can be broken (status, HTML, oversized, bad {@code active}),
 * held (every call waits until released), or stopped. It also serves discovery metadata naming itself as issuer.
 */
public final class IntrospectionServer implements AutoCloseable {
  /** What the endpoint does instead of answering properly. */
  public enum Fault { NONE, STATUS_500, HTML_200, OVERSIZED, ACTIVE_MISSING, ACTIVE_NOT_BOOLEAN }

  /** One call as the endpoint saw it: the Authorization and Accept headers (or null) and the form. */
  public record Call(String authorization, String accept, Map<String, String> form) {
    /** The client authentication method this call used. */
    public String method() {
      return authorization != null ? "client_secret_basic" : form.containsKey("client_secret") ? "client_secret_post"
          : "none";
    }
  }

  public static final String CLIENT_ID = "orders-api";
  public static final String CLIENT_SECRET = "s3cret:with&specials";

  private final Server server;
  private final ServerConnector connector;
  private int port;
  private final Map<String, Map<String, Object>> active = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile Fault fault = Fault.NONE;
  private volatile CountDownLatch hold;
  private volatile String introspectionPath = "/introspect";
  private volatile Signing signing;

  /**
   * How answers are signed (RFC 9701): with this key, this {@code typ} header, and these claims around the
   * {@code token_introspection} member (e.g. iss, aud, iat).
   */
  public record Signing(SigningKey key, String type, Map<String, Object> envelope) {
    String sign(Map<String, Object> answer) {
      Map<String, Object> header = new LinkedHashMap<>();
      header.put("alg", key.algorithm());
      header.put("kid", key.kid());
      header.put("typ", type);
      Map<String, Object> claims = new LinkedHashMap<>(envelope);
      claims.put("token_introspection", answer);
      String signingInput = Base64URL.encode(JSONObjectUtils.toJSONString(header)) + "."
          + Base64URL.encode(JSONObjectUtils.toJSONString(claims));
      return signingInput + "." + Base64URL.encode(key.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
    }
  }

  /** Signs every answer from now on (RFC 9701); {@code null} answers plain JSON again. */
  public IntrospectionServer sign(Signing next) {
    this.signing = next;
    return this;
  }

  private IntrospectionServer() {
    server = new Server();
    connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        return serve(request, response, callback);
      }
    });
  }

  /** Starts the endpoint on a free loopback port. */
  public static IntrospectionServer start() {
    IntrospectionServer fixture = new IntrospectionServer();
    try {
      fixture.server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the introspection endpoint", e);
    }
    fixture.port = fixture.connector.getLocalPort();
    return fixture;
  }

  /** Its base URL, also the issuer its metadata names. */
  public String issuer() {
    return "http://127.0.0.1:" + port;
  }

  /** The introspection endpoint's URL. */
  public URI endpoint() {
    return URI.create(issuer() + introspectionPath);
  }

  /** Answers {@code token} as active with these members (plus {@code active: true}). */
  public IntrospectionServer activate(String token, Map<String, Object> members) {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("active", true);
    answer.putAll(members);
    active.put(token, answer);
    return this;
  }

  /** Answers {@code token} as inactive from now on. */
  public IntrospectionServer revoke(String token) {
    active.remove(token);
    return this;
  }

  public IntrospectionServer fault(Fault next) {
    this.fault = next;
    return this;
  }

  /** Every call from now on waits until {@link #release()}. */
  public IntrospectionServer hold() {
    this.hold = new CountDownLatch(1);
    return this;
  }

  public IntrospectionServer release() {
    CountDownLatch current = hold;
    hold = null;
    if (current != null) {
      current.countDown();
    }
    return this;
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public int callCount() {
    return calls.size();
  }

  /** Calls that arrived and have not been answered yet (held ones). */
  public int inFlight() {
    return inFlight.get();
  }

  private boolean serve(Request request, Response response, Callback callback) throws Exception {
      String path = Request.getPathInContext(request);
      if (path.equals("/.well-known/openid-configuration")) {
        return respond(response, callback, 200, "application/json", "{\"issuer\":\"" + issuer()
            + "\",\"jwks_uri\":\"" + issuer() + "/jwks\",\"introspection_endpoint\":\"" + endpoint() + "\"}");
      }
      if (path.equals("/jwks")) {
        return respond(response, callback, 200, "application/json", "{\"keys\":[]}");
      }
      if (!path.equals(introspectionPath) || !request.getMethod().equals("POST")) {
        return respond(response, callback, 404, "text/plain", "not found");
      }
      Map<String, String> form = form(Content.Source.asString(request, StandardCharsets.UTF_8));
      String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      calls.add(new Call(authorization, request.getHeaders().get(HttpHeader.ACCEPT), form));
      inFlight.incrementAndGet();
      try {
        CountDownLatch current = hold;
        if (current != null) {
          current.await(30, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight.decrementAndGet();
      }
      if (!authenticated(authorization, form)) {
        return respond(response, callback, 401, "application/json", "{\"error\":\"invalid_client\"}");
      }
      return switch (fault) {
        case STATUS_500 -> respond(response, callback, 500, "application/json", "{\"error\":\"server_error\"}");
        case HTML_200 -> respond(response, callback, 200, "text/html", "<html><body>Please log in</body></html>");
        case OVERSIZED -> respond(response, callback, 200, "application/json",
            "{\"active\":true,\"padding\":\"" + "x".repeat(200_000) + "\"}");
        case ACTIVE_MISSING -> respond(response, callback, 200, "application/json", "{\"client_id\":\"x\"}");
        case ACTIVE_NOT_BOOLEAN -> respond(response, callback, 200, "application/json", "{\"active\":\"true\"}");
        case NONE -> {
          Map<String, Object> answer = active.get(form.getOrDefault("token", ""));
          Map<String, Object> members = answer == null ? Map.of("active", false) : answer;
          Signing current = signing;
          if (current != null) {
            yield respond(response, callback, 200, "application/token-introspection+jwt", current.sign(members));
          }
          yield respond(response, callback, 200, "application/json", JSONObjectUtils.toJSONString(members));
        }
      };
  }

  private static boolean authenticated(String authorization, Map<String, String> form) {
    if (authorization != null) {
      if (!authorization.startsWith("Basic ") || form.containsKey("client_secret")) {
        return false;
      }
      String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon > 0
          && URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8).equals(CLIENT_ID)
          && URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8).equals(CLIENT_SECRET);
    }
    return CLIENT_ID.equals(form.get("client_id")) && CLIENT_SECRET.equals(form.get("client_secret"));
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        form.put(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static boolean respond(Response response, Callback callback, int status, String contentType,
      String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    return true;
  }

  /** Stops answering: the port is closed, connections are refused. */
  public IntrospectionServer stop() {
    release();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return this;
  }

  @Override
  public void close() {
    stop();
  }
}
