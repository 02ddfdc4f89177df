package dev.tokengate.internal.jwks;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Function;

/**
 * Collects a body up to the size cap; cancelling its subscription (over the cap, or when the caller's deadline
 * passed) closes the connection.
 */
public final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
  private final URI uri;
  private final int maxBytes;
  private final Function<String, Exception> overLimit;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private volatile Flow.Subscription subscription;
  private volatile Exception refused;
  private volatile boolean cancelled;

  /**
   * @param overLimit the failure for a body over {@code maxBytes}, made from its message (each caller reports
   *     failures in its own exception type)
   */
  public CappedBody(URI uri, int maxBytes, Function<String, Exception> overLimit) {
    this.uri = uri;
    this.maxBytes = maxBytes;
    this.overLimit = overLimit;
  }

  /** Refuses the body before it arrives (e.g. its declared length is over the cap). */
  public void refuse(Exception reason) {
    refused = reason;
  }

  /** Stops reading (the caller's deadline passed); closes the connection. */
  public void cancel() {
    cancelled = true;
    Flow.Subscription current = subscription;
    if (current != null) {
      current.cancel();
    }
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    this.subscription = subscription;
    if (refused != null) {
      subscription.cancel();
      result.completeExceptionally(refused);
    } else if (cancelled) {
      subscription.cancel();
    } else {
      subscription.request(1);
    }
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    for (ByteBuffer buffer : buffers) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      out.write(bytes, 0, bytes.length);
    }
    if (out.size() > maxBytes) {
      subscription.cancel();
      result.completeExceptionally(overLimit.apply(uri + " sent more than the limit of " + maxBytes + " bytes"));
      return;
    }
    subscription.request(1);
  }

  @Override
  public void onError(Throwable throwable) {
    result.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    result.complete(out.toByteArray());
  }
}
