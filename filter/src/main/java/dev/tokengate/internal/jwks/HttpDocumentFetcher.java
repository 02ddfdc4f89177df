package dev.tokengate.internal.jwks;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches a discovery document or a JWKS over HTTP(S) with bounded cost: a connect timeout, a <em>total</em> deadline
 * covering connect, response headers and body however slowly the server sends them, a size cap, only {@code
 * http}/{@code https}, and redirects followed only within the same scheme, host and port.
 *
 * <p>{@code java.net.http.HttpClient} rather than {@link java.net.HttpURLConnection}: a blocking socket read cannot be
 * abandoned from another thread, so a server that drips one byte just inside the read timeout could hold the fetching
 * thread without limit. Here the caller waits on a future with its deadline and, when the deadline passes, cancels
 * the exchange and its body subscription, which closes the connection. The caller's wait is interruptible, so {@link
 * java.util.concurrent.ExecutorService#shutdownNow()} ends a fetch at once on JDK 17 too.
 */
public final class HttpDocumentFetcher implements AutoCloseable {
  private static final int MAX_REDIRECTS = 3;
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|,)\\s*max-age\\s*=\\s*\"?(\\d+)\"?");

  /** Dropped on close, so that JDK 17's selector thread ends even while a container still holds this fetcher. */
  private volatile HttpClient client;
  private final Duration connectTimeout;
  private final int maxBytes;

  /** A fetched document: its body and, when the server sent one, its {@code Cache-Control: max-age}. */
  public record Document(String body, Optional<Duration> maxAge) {}

  /**
   * @param executor runs the client's internal tasks (never blocking ones); owned by the caller
   */
  public HttpDocumentFetcher(Duration connectTimeout, int maxBytes, Executor executor) {
    this.connectTimeout = connectTimeout;
    this.maxBytes = maxBytes;
    // JDK 17's client starts a selector thread that inherits this thread's context class loader; in a servlet
    // container that is the web application's, which the thread would then pin until the client is collected.
    Thread current = Thread.currentThread();
    ClassLoader contextLoader = current.getContextClassLoader();
    current.setContextClassLoader(null);
    try {
      HttpClient.Builder builder = HttpClient.newBuilder();
      // As HttpURLConnection did: the JVM's proxy settings (http.proxyHost, https.proxyHost, ...) apply.
      ProxySelector proxies = ProxySelector.getDefault();
      if (proxies != null) {
        builder.proxy(proxies);
      }
      this.client = builder
          .connectTimeout(connectTimeout)
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1)
          .executor(executor)
          .build();
    } finally {
      current.setContextClassLoader(contextLoader);
    }
  }

  /**
   * Fetches {@code uri}, which must answer 200 with a body under the size cap, by {@code deadlineNanos} (a {@link
   * System#nanoTime()} value) at the latest, redirects included.
   *
   * @param budget the total time the deadline stands for, for the error message
   * @throws IOException when the server cannot be reached, answers another status, redirects elsewhere, is too slow,
   *     or sends too much
   */
  public Document fetch(URI uri, long deadlineNanos, Duration budget) throws IOException {
    URI current = uri;
    for (int redirects = 0; ; redirects++) {
      requireHttp(current);
      HttpResponse<byte[]> response = send(current, deadlineNanos, budget);
      int status = response.statusCode();
      if (status >= 300 && status < 400 && status != 304) {
        Optional<String> location = response.headers().firstValue("Location");
        if (location.isEmpty() || redirects >= MAX_REDIRECTS) {
          throw new IOException(current + " answered " + status + " without a usable redirect"
              + (redirects >= MAX_REDIRECTS ? " (more than " + MAX_REDIRECTS + " redirects)" : ""));
        }
        URI next = current.resolve(location.get());
        if (!sameOrigin(current, next)) {
          throw new IOException(current + " redirected to another origin (" + next.getScheme() + "://"
              + next.getAuthority() + "), which is not followed");
        }
        current = next;
        continue;
      }
      if (status != 200) {
        throw new IOException(current + " answered HTTP " + status);
      }
      return new Document(new String(response.body(), StandardCharsets.UTF_8),
          maxAge(response.headers().firstValue("Cache-Control").orElse(null)));
    }
  }

  private HttpResponse<byte[]> send(URI uri, long deadlineNanos, Duration budget) throws IOException {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      throw tooSlow(uri, budget);
    }
    HttpRequest request = HttpRequest.newBuilder(uri)
        .GET()
        .header("Accept", "application/json, application/jwk-set+json")
        // Bounds connect + headers inside the client; the wait below bounds the body too.
        .timeout(Duration.ofNanos(remaining))
        .build();
    HttpClient current = client;
    if (current == null) {
      throw new IOException("the validator is closed; " + uri + " is not fetched");
    }
    CappedBody body = new CappedBody(uri, maxBytes, IOException::new);
    CompletableFuture<HttpResponse<byte[]>> exchange = current.sendAsync(request, info -> {
      long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
      if (info.statusCode() == 200 && declared > maxBytes) {
        body.refuse(new IOException(uri + " sent " + declared + " bytes, over the limit of " + maxBytes));
      }
      return body;
    });
    try {
      return exchange.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw tooSlow(uri, budget);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("fetching " + uri + " was interrupted");
    } catch (ExecutionException e) {
      throw failure(uri, e.getCause());
    } finally {
      // Closes the connection of an exchange still running (slow headers or body); a no-op once it completed.
      body.cancel();
      exchange.cancel(true);
    }
  }

  private IOException tooSlow(URI uri, Duration budget) {
    return new IOException(uri + " timed out: no complete answer within " + budget);
  }

  private IOException failure(URI uri, Throwable cause) {
    if (cause instanceof HttpConnectTimeoutException) {
      return new IOException(uri + ": connect timed out after " + connectTimeout, cause);
    }
    if (cause instanceof HttpTimeoutException) {
      return new IOException(uri + " timed out", cause);
    }
    if (cause instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith(uri.toString())) {
      return io; // ours, from the body subscriber
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return new IOException(uri + ": Connection refused", cause);
      }
    }
    String message = cause == null ? null : cause.getMessage();
    return new IOException(uri + ": " + (message == null ? String.valueOf(cause) : message), cause);
  }

  /** Drops the client; on JDK 21 and later shuts it down, on 17 its selector thread ends once it is unreachable. */
  @Override
  public void close() {
    HttpClient closing = client;
    client = null;
    if (closing == null) {
      return;
    }
    // Nothing is in flight any more (fetches were cancelled), so on JDK 17 nothing holds the client either.
    HttpClients.shutDown(closing);
  }

  static Optional<Duration> maxAge(String cacheControl) {
    if (cacheControl == null) {
      return Optional.empty();
    }
    Matcher matcher = MAX_AGE.matcher(cacheControl.toLowerCase(Locale.ROOT));
    if (!matcher.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Duration.ofSeconds(Long.parseLong(matcher.group(1))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void requireHttp(URI uri) throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IOException("only http(s) URLs are fetched, not " + uri);
    }
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme() == null ? "" : b.getScheme())
        && a.getHost().equalsIgnoreCase(b.getHost() == null ? "" : b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI uri) {
    if (uri.getPort() != -1) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }
}
