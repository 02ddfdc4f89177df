package dev.tokengate.internal.introspection;

import dev.tokengate.internal.jwks.CappedBody;
import dev.tokengate.internal.jwks.HttpClients;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side of introspection, with the same bounds as the JWKS fetch ({@code internal.jwks.HttpDocumentFetcher}):
 * a connect timeout, a <em>total</em> deadline over connect, headers and body however slowly they come, a size cap,
 * no redirects. Every exchange is asynchronous: no request thread ever blocks in a socket read; it waits on a future
 * with its own deadline, and the exchange (its connection included) is cancelled when the deadline passes.
 */
final class IntrospectionHttp implements AutoCloseable {
  /** A complete answer: status, {@code Content-Type} (empty string when absent) and body. */
  record Reply(int status, String contentType, byte[] body) {}

  private volatile HttpClient client;
  private final Duration connectTimeout;
  private final Duration total;
  private final int maxBytes;

  IntrospectionHttp(Duration connectTimeout, Duration readTimeout, int maxBytes, Executor executor) {
    this.connectTimeout = connectTimeout;
    this.total = connectTimeout.plus(readTimeout);
    this.maxBytes = maxBytes;
    // As in HttpDocumentFetcher: JDK 17's selector thread would pin the web application's class loader.
    Thread current = Thread.currentThread();
    ClassLoader contextLoader = current.getContextClassLoader();
    current.setContextClassLoader(null);
    try {
      HttpClient.Builder builder = HttpClient.newBuilder();
      ProxySelector proxies = ProxySelector.getDefault();
      if (proxies != null) {
        builder.proxy(proxies);
      }
      this.client = builder.connectTimeout(connectTimeout)
          .followRedirects(HttpClient.Redirect.NEVER)
          .version(HttpClient.Version.HTTP_1_1)
          .executor(executor)
          .build();
    } finally {
      current.setContextClassLoader(contextLoader);
    }
  }

  /** The total deadline of one exchange. */
  Duration total() {
    return total;
  }

  /**
   * Sends {@code request} (its own timeout is set here) and completes with the reply, or exceptionally with an
   * {@link IntrospectionFailure} when it cannot be had within {@link #total()}.
   */
  CompletableFuture<Reply> send(HttpRequest.Builder request, URI uri) {
    HttpClient current = client;
    if (current == null) {
      return CompletableFuture.failedFuture(new IntrospectionFailure("the validator is closed"));
    }
    CappedBody body = new CappedBody(uri, maxBytes, IntrospectionFailure::new);
    CompletableFuture<HttpResponse<byte[]>> exchange;
    try {
      exchange = current.sendAsync(request.timeout(total).build(), info -> {
        long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > maxBytes) {
          body.refuse(new IntrospectionFailure(uri + " sent " + declared + " bytes, over the limit of " + maxBytes));
        }
        return body;
      });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new IntrospectionFailure(uri + ": " + e.getMessage(), e));
    }
    CompletableFuture<Reply> reply = new CompletableFuture<>();
    exchange.orTimeout(total.toNanos(), TimeUnit.NANOSECONDS).whenComplete((response, error) -> {
      if (error == null) {
        reply.complete(new Reply(response.statusCode(),
            response.headers().firstValue("Content-Type").orElse(""), response.body()));
        return;
      }
      // A body still dripping, or headers still awaited: closes the connection.
      body.cancel();
      exchange.cancel(true);
      reply.completeExceptionally(failure(uri, error));
    });
    return reply;
  }

  private IntrospectionFailure failure(URI uri, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof IntrospectionFailure ours) {
      return ours;
    }
    if (cause instanceof TimeoutException) {
      return new IntrospectionFailure(uri + " timed out: no complete answer within " + total);
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return new IntrospectionFailure(uri + ": connect timed out after " + connectTimeout, cause);
    }
    if (cause instanceof HttpTimeoutException) {
      return new IntrospectionFailure(uri + " timed out: no answer within " + total, cause);
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return new IntrospectionFailure(uri + ": Connection refused", cause);
      }
      if (t instanceof IntrospectionFailure ours) {
        return ours;
      }
    }
    String message = cause == null ? null : cause.getMessage();
    return new IntrospectionFailure(uri + ": " + (message == null ? String.valueOf(cause) : message), cause);
  }

  @Override
  public void close() {
    HttpClient closing = client;
    client = null;
    if (closing == null) {
      return;
    }
    HttpClients.shutDown(closing);
  }
}
