package dev.tokengate.internal.introspection;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.Introspection;
import dev.tokengate.IntrospectionHealth;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One issuer's introspection endpoint: where it is (configured, or the {@code introspection_endpoint} of the issuer's
 * metadata, discovered once in the background and again after a failure at most once a second), how this API
 * authenticates to it, one call per token, and what its health counters say.
 */
final class IntrospectionEndpoint {
  private static final long DISCOVERY_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String issuer;
  private final Introspection settings;
  private final IntrospectionHttp http;
  private final IntrospectionAnswer.Rules rules;
  private final Clock clock;
  private final SignedAnswer.Verification signed;
  private final AtomicReference<CompletableFuture<URI>> discovery = new AtomicReference<>();
  private volatile long discoveryFailedAtNanos;

  final LongAdder calls = new LongAdder();
  final LongAdder failures = new LongAdder();
  final LongAdder cacheHits = new LongAdder();
  final LongAdder refusedBusy = new LongAdder();
  /** The time the calls took, from sending to the judged answer or the failure, for a latency metric. */
  final LongAdder callNanos = new LongAdder();
  private volatile boolean reachable;
  private volatile Instant lastSuccessfulCall;
  private volatile String lastError;

  IntrospectionEndpoint(String issuer, Introspection settings, IntrospectionHttp http,
      IntrospectionAnswer.Rules rules, Clock clock, SignedAnswer.Verification signed) {
    this.signed = signed;
    this.issuer = issuer;
    this.settings = settings;
    this.http = http;
    this.rules = rules;
    this.clock = clock;
    if (settings.endpoint().isEmpty()) {
      endpoint(); // discovery starts now, in the background, so that the first opaque token need not wait for it
    }
  }

  String issuer() {
    return issuer;
  }

  /** Asks the endpoint about {@code token}; completes with the judged answer or an {@link IntrospectionFailure}. */
  CompletableFuture<IntrospectionAnswer> introspect(String token) {
    return endpoint().thenCompose(uri -> call(uri, token));
  }

  private CompletableFuture<IntrospectionAnswer> call(URI uri, String token) {
    StringBuilder form = new StringBuilder("token=").append(encode(token)).append("&token_type_hint=access_token");
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", settings.signedResponseRequired() ? SignedAnswer.MEDIA_TYPE : "application/json");
    if (settings.clientAuthentication() == Introspection.ClientAuthentication.CLIENT_SECRET_POST) {
      form.append("&client_id=").append(encode(settings.clientId()))
          .append("&client_secret=").append(encode(settings.clientSecret()));
    } else {
      // RFC 6749 §2.3.1: both are form-encoded before they are joined and base64-encoded.
      String credentials = encode(settings.clientId()) + ":" + encode(settings.clientSecret());
      request.header("Authorization",
          "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    request.POST(HttpRequest.BodyPublishers.ofString(form.toString()));
    calls.increment();
    long started = System.nanoTime();
    return http.send(request, uri)
        .thenApply(reply -> {
          try {
            return read(reply, uri.toString());
          } catch (IntrospectionFailure e) {
            throw new CompletionException(e);
          }
        })
        .whenComplete((answer, error) -> {
          callNanos.add(System.nanoTime() - started);
          if (error == null) {
            reachable = true;
            lastSuccessfulCall = clock.instant();
            lastError = null;
          } else {
            failures.increment();
            reachable = false;
            lastError = Introspector.unwrap(error).getMessage();
          }
        });
  }

  /**
   * A signed answer (RFC 9701) is verified whenever one comes; a plain JSON one is refused when signed answers are
   * required, since an attacker on the path (or a misconfigured proxy) could otherwise strip the signature.
   */
  private IntrospectionAnswer read(IntrospectionHttp.Reply reply, String source) throws IntrospectionFailure {
    if (reply.status() == 200 && reply.contentType().toLowerCase(java.util.Locale.ROOT)
        .startsWith(SignedAnswer.MEDIA_TYPE)) {
      return IntrospectionAnswer.judge(SignedAnswer.verify(reply.body(), source, signed), source, rules);
    }
    if (reply.status() == 200 && settings.signedResponseRequired()) {
      throw new IntrospectionFailure(source + " answered with Content-Type '" + reply.contentType() + "', not a"
          + " signed introspection response (" + SignedAnswer.MEDIA_TYPE + "), which 'introspection-require-signed'"
          + " requires");
    }
    return IntrospectionAnswer.read(reply, source, rules);
  }

  /** The endpoint's URL: configured, discovered, or being discovered. */
  CompletableFuture<URI> endpoint() {
    Optional<URI> configured = settings.endpoint();
    if (configured.isPresent()) {
      return CompletableFuture.completedFuture(configured.get());
    }
    while (true) {
      CompletableFuture<URI> current = discovery.get();
      boolean failed = current != null && current.isCompletedExceptionally();
      if (current != null && (!failed || System.nanoTime() - discoveryFailedAtNanos < DISCOVERY_RETRY_NANOS)) {
        return current;
      }
      CompletableFuture<URI> next = new CompletableFuture<>();
      if (discovery.compareAndSet(current, next)) {
        discover().whenComplete((uri, error) -> {
          if (error != null) {
            discoveryFailedAtNanos = System.nanoTime();
            lastError = Introspector.unwrap(error).getMessage();
            next.completeExceptionally(Introspector.unwrap(error));
          } else {
            next.complete(uri);
          }
        });
        return next;
      }
    }
  }

  private CompletableFuture<URI> discover() {
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    URI oidc = URI.create(base + "/.well-known/openid-configuration");
    URI issuerUri = URI.create(issuer);
    String path = issuerUri.getRawPath() == null ? "" : issuerUri.getRawPath();
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    URI rfc8414 = URI.create(issuerUri.getScheme() + "://" + issuerUri.getRawAuthority()
        + "/.well-known/oauth-authorization-server" + path);
    return metadata(oidc).exceptionallyCompose(oidcFailure -> metadata(rfc8414).exceptionallyCompose(
        rfc8414Failure -> CompletableFuture.failedFuture(new IntrospectionFailure("Discovery of the introspection"
            + " endpoint failed for issuer " + issuer + ": " + Introspector.unwrap(oidcFailure).getMessage() + "; "
            + Introspector.unwrap(rfc8414Failure).getMessage()))));
  }

  private CompletableFuture<URI> metadata(URI source) {
    return http.send(HttpRequest.newBuilder(source).GET().header("Accept", "application/json"), source)
        .thenApply(reply -> {
          try {
            return introspectionEndpointIn(reply, source);
          } catch (IntrospectionFailure e) {
            throw new CompletionException(e);
          }
        });
  }

  private URI introspectionEndpointIn(IntrospectionHttp.Reply reply, URI source) throws IntrospectionFailure {
    if (reply.status() != 200) {
      throw new IntrospectionFailure(source + " answered HTTP " + reply.status());
    }
    Map<String, Object> document;
    try {
      document = JSONObjectUtils.parse(new String(reply.body(), StandardCharsets.UTF_8));
    } catch (ParseException | RuntimeException e) {
      throw new IntrospectionFailure(source + " is not a JSON object");
    }
    // RFC 8414 §3.3: a document naming another issuer is never trusted.
    if (!issuer.equals(document.get("issuer"))) {
      throw new IntrospectionFailure(source + " names issuer '" + document.get("issuer") + "', not the configured '"
          + issuer + "'");
    }
    if (!(document.get("introspection_endpoint") instanceof String text)) {
      throw new IntrospectionFailure(source + " has no introspection_endpoint: set 'introspection-endpoint'");
    }
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme();
      if (uri.getHost() == null || !("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))) {
        throw new IntrospectionFailure(source + " has an introspection_endpoint that is not an http(s) URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IntrospectionFailure(source + " has a malformed introspection_endpoint");
    }
  }

  IntrospectionHealth health() {
    Optional<URI> uri = settings.endpoint();
    if (uri.isEmpty()) {
      CompletableFuture<URI> current = discovery.get();
      if (current != null && current.isDone() && !current.isCompletedExceptionally()) {
        uri = Optional.of(current.join());
      }
    }
    return new IntrospectionHealth(issuer, uri, reachable, Optional.ofNullable(lastSuccessfulCall),
        Optional.ofNullable(lastError), calls.sum(), failures.sum(), cacheHits.sum(), refusedBusy.sum(),
        Duration.ofNanos(callNanos.sum()));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
