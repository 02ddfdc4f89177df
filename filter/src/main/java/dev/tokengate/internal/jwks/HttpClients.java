package dev.tokengate.internal.jwks;

import java.net.http.HttpClient;

/** What the JWKS fetcher and the introspection call share about their own {@link HttpClient}s. */
public final class HttpClients {
  private HttpClients() {}

  /**
   * Shuts {@code client} down where the JDK can (21 and later: {@code shutdownNow}, found reflectively since this
   * library is built for 17); on 17 there is no such method, and the client's selector thread ends once the client is
   * unreachable, which its owner ensures by dropping it.
   */
  public static void shutDown(HttpClient client) {
    try {
      client.getClass().getMethod("shutdownNow").invoke(client);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // JDK 17: no shutdown method; see above.
    }
  }
}
