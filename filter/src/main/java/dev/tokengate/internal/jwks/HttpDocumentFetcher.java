package dev.tokengate.internal.jwks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches a discovery document or a JWKS over HTTP(S) with bounded cost: connect and read timeouts, a size cap, only
 * {@code http}/{@code https}, and redirects followed only within the same scheme, host and port.
 *
 * <p>{@link HttpURLConnection} rather than {@code java.net.http.HttpClient}: it has a per-read socket timeout, runs
 * on the calling thread with no selector thread to manage, and is what Nimbus uses too.
 */
public final class HttpDocumentFetcher {
  private static final int MAX_REDIRECTS = 3;
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|,)\\s*max-age\\s*=\\s*\"?(\\d+)\"?");

  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final int maxBytes;

  /** A fetched document: its body and, when the server sent one, its {@code Cache-Control: max-age}. */
  public record Document(String body, Optional<Duration> maxAge) {}

  public HttpDocumentFetcher(Duration connectTimeout, Duration readTimeout, int maxBytes) {
    this.connectTimeout = connectTimeout;
    this.readTimeout = readTimeout;
    this.maxBytes = maxBytes;
  }

  /**
   * Fetches {@code uri}, which must answer 200 with a body under the size cap.
   *
   * @throws IOException when the server cannot be reached, answers another status, redirects elsewhere, is too slow,
   *     or sends too much
   */
  public Document fetch(URI uri) throws IOException {
    URI current = uri;
    for (int redirects = 0; ; redirects++) {
      requireHttp(current);
      HttpURLConnection connection = (HttpURLConnection) toUrl(current).openConnection();
      try {
        connection.setConnectTimeout(millis(connectTimeout));
        connection.setReadTimeout(millis(readTimeout));
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setRequestProperty("Accept", "application/json, application/jwk-set+json");
        int status = connection.getResponseCode();
        if (status >= 300 && status < 400 && status != 304) {
          String location = connection.getHeaderField("Location");
          if (location == null || redirects >= MAX_REDIRECTS) {
            throw new IOException(current + " answered " + status + " without a usable redirect");
          }
          URI next = current.resolve(location);
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
        long declared = connection.getContentLengthLong();
        if (declared > maxBytes) {
          throw new IOException(current + " sent " + declared + " bytes, over the limit of " + maxBytes);
        }
        try (InputStream in = connection.getInputStream()) {
          String body = readCapped(in, current);
          return new Document(body, maxAge(connection.getHeaderField("Cache-Control")));
        }
      } finally {
        connection.disconnect();
      }
    }
  }

  private String readCapped(InputStream in, URI uri) throws IOException {
    long deadline = System.nanoTime() + readTimeout.toNanos() * 2;
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, 16 * 1024));
    byte[] buffer = new byte[8192];
    int read;
    while ((read = in.read(buffer)) != -1) {
      out.write(buffer, 0, read);
      if (out.size() > maxBytes) {
        throw new IOException(uri + " sent more than the limit of " + maxBytes + " bytes");
      }
      // The socket timeout bounds each read; this bounds a server that drips a byte just inside it.
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(uri + " took longer than " + readTimeout.multipliedBy(2) + " to send its body");
      }
    }
    return out.toString(StandardCharsets.UTF_8);
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

  private static URL toUrl(URI uri) throws IOException {
    try {
      return uri.toURL();
    } catch (IllegalArgumentException e) {
      throw new IOException("not a URL: " + uri, e);
    }
  }

  private static int millis(Duration duration) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
  }
}
