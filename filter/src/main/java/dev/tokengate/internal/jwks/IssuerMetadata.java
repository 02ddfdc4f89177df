package dev.tokengate.internal.jwks;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.util.Map;

/**
 * Finds an issuer's {@code jwks_uri}: first OpenID Connect Discovery ({@code <issuer>/.well-known/openid-configuration}),
 * then RFC 8414 ({@code /.well-known/oauth-authorization-server} inserted before the issuer's path). The document must
 * name the configured issuer exactly (RFC 8414 §3.3), so that a misrouted or spoofed document is never trusted.
 */
public final class IssuerMetadata {
  private IssuerMetadata() {}

  /**
   * Discovers the JWKS URL of {@code issuer}.
   *
   * @throws IOException naming each URL tried and why it failed
   */
  public static URI discoverJwksUri(String issuer, HttpDocumentFetcher fetcher, long deadlineNanos,
      java.time.Duration budget) throws IOException {
    URI oidc = URI.create(stripTrailingSlash(issuer) + "/.well-known/openid-configuration");
    URI rfc8414 = rfc8414Location(issuer);
    try {
      return jwksUriFrom(fetcher.fetch(oidc, deadlineNanos, budget).body(), issuer, oidc);
    } catch (IOException oidcFailure) {
      try {
        return jwksUriFrom(fetcher.fetch(rfc8414, deadlineNanos, budget).body(), issuer, rfc8414);
      } catch (IOException rfc8414Failure) {
        IOException failure = new IOException("Discovery failed for issuer " + issuer + ": "
            + oidcFailure.getMessage() + "; " + rfc8414Failure.getMessage());
        failure.addSuppressed(oidcFailure);
        return throwIt(failure);
      }
    }
  }

  static URI rfc8414Location(String issuer) {
    URI uri = URI.create(issuer);
    String path = uri.getRawPath() == null ? "" : stripTrailingSlash(uri.getRawPath());
    return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + "/.well-known/oauth-authorization-server"
        + path);
  }

  private static URI jwksUriFrom(String body, String issuer, URI source) throws IOException {
    Map<String, Object> document;
    try {
      document = JSONObjectUtils.parse(body);
    } catch (ParseException e) {
      throw new IOException(source + " is not a JSON object");
    }
    Object named = document.get("issuer");
    if (!issuer.equals(named)) {
      throw new IOException(source + " names issuer '" + named + "', not the configured '" + issuer + "'");
    }
    Object jwksUri = document.get("jwks_uri");
    if (!(jwksUri instanceof String text)) {
      throw new IOException(source + " has no jwks_uri");
    }
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme();
      if (uri.getHost() == null || !("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))) {
        throw new IOException(source + " has a jwks_uri that is not an http(s) URL: " + text);
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new IOException(source + " has a malformed jwks_uri");
    }
  }

  private static String stripTrailingSlash(String text) {
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  private static <T> T throwIt(IOException e) throws IOException {
    throw e;
  }
}
