package dev.tokengate.sample.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Access tokens for one client, obtained with the {@code client_credentials} grant (RFC 6749 §4.4) and reused until
 * shortly before they expire.
 *
 * <p>What it does, and why:
 *
 * <ul>
 *   <li>Caches the token: asking the issuer for every call costs a round trip and loads the issuer for nothing.
 *   <li>Renews it at a random point between 80 % and 90 % of its lifetime, so a call never leaves with a token about
 *       to expire in flight, and a fleet of clients started together does not renew in lockstep. While one caller
 *       renews, the others keep using the still valid token; if renewal fails they keep it until it expires.
 *   <li>Fetches single-flight: however many threads need a token at once, one request goes to the issuer.
 *   <li>{@link #renewAfterRejection(String)}: when the API answers 401 {@code invalid_token} (keys rotated, clocks
 *       apart), the caller asks once for a fresh token; concurrent callers rejected with the same token share one
 *       renewal.
 * </ul>
 *
 * <p>The secret travels in HTTP Basic ({@code client_secret_basic}, RFC 6749 §2.3.1), form-encoded first as that
 * section requires. Made with {@link DpopProofs}, each token request carries a DPoP proof (RFC 9449 §5), so the
 * issuer binds the token to the client's key ({@code token_type} {@code DPoP}, {@code cnf.jkt}); an issuer asking
 * for a nonce (400 {@code use_dpop_nonce}) gets one retry with it.
 */
public final class ClientCredentialsTokenSource {
  private static final double RENEW_FROM = 0.80;
  private static final double RENEW_TO = 0.90;

  private final HttpClient http;
  private final URI tokenEndpoint;
  private final String clientId;
  private final String authorization;
  private final String scope;
  private final Clock clock;
  private final Consumer<String> events;
  private final DpopProofs dpop;
  private final ReentrantLock fetching = new ReentrantLock();
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile CachedToken current;

  /**
   * @param scope the space-separated scopes to ask for
   * @param clock the clock deciding when to renew; a test moves it by hand
   * @param events receives one line per token request, for the demo to print
   */
  public ClientCredentialsTokenSource(HttpClient http, URI tokenEndpoint, String clientId, String clientSecret,
      String scope, Clock clock, Consumer<String> events) {
    this(http, tokenEndpoint, clientId, clientSecret, scope, clock, events, null);
  }

  /** Like the other constructor; with {@code dpop}, the tokens are DPoP-bound to its key. */
  public ClientCredentialsTokenSource(HttpClient http, URI tokenEndpoint, String clientId, String clientSecret,
      String scope, Clock clock, Consumer<String> events, DpopProofs dpop) {
    this.dpop = dpop;
    this.http = requireNonNull(http, "http");
    this.tokenEndpoint = requireNonNull(tokenEndpoint, "tokenEndpoint");
    this.clientId = requireNonNull(clientId, "clientId");
    this.authorization = "Basic " + Base64.getEncoder().encodeToString(
        (formEncode(clientId) + ":" + formEncode(requireNonNull(clientSecret, "clientSecret"))).getBytes(UTF_8));
    this.scope = requireNonNull(scope, "scope");
    this.clock = requireNonNull(clock, "clock");
    this.events = requireNonNull(events, "events");
  }

  public String clientId() {
    return clientId;
  }

  /** A token to send now: the cached one, or a new one when the cached one is due for renewal. */
  public String token() {
    CachedToken cached = current;
    Instant now = clock.instant();
    if (cached != null && now.isBefore(cached.renewAt)) {
      return cached.value;
    }
    if (cached != null && now.isBefore(cached.expiresAt)) {
      return renewEarly(cached);
    }
    fetching.lock();
    try {
      cached = current;
      if (cached != null && clock.instant().isBefore(cached.renewAt)) {
        return cached.value; // another thread fetched while this one waited
      }
      current = fetch("no valid token cached");
      return current.value;
    } finally {
      fetching.unlock();
    }
  }

  /**
   * A fresh token after the API rejected {@code rejected} as {@code invalid_token}. When another caller already
   * replaced it, that newer token is returned without asking the issuer again.
   */
  public String renewAfterRejection(String rejected) {
    fetching.lock();
    try {
      CachedToken cached = current;
      if (cached != null && !cached.value.equals(rejected)) {
        return cached.value;
      }
      current = fetch("the API rejected the cached token");
      return current.value;
    } finally {
      fetching.unlock();
    }
  }

  /** How many token requests this source has sent. */
  public int fetchCount() {
    return fetches.get();
  }

  private String renewEarly(CachedToken cached) {
    if (!fetching.tryLock()) {
      return cached.value; // someone is renewing; this token is still valid
    }
    try {
      if (current != cached) {
        return current.value;
      }
      try {
        current = fetch("the token reached " + Math.round(100 * cached.renewFraction) + " % of its lifetime");
      } catch (TokenRequestException e) {
        events.accept(clientId + ": early renewal failed, keeping the current token until it expires: "
            + e.getMessage());
        return cached.value;
      }
      return current.value;
    } finally {
      fetching.unlock();
    }
  }

  private CachedToken fetch(String reason) {
    // The lifetime counts from before the request, so that the cached expiry errs early, never late.
    Instant requested = clock.instant();
    HttpResponse<String> response = requestToken();
    if (dpop != null && response.statusCode() == 400 && response.body().contains("\"use_dpop_nonce\"")
        && response.headers().firstValue("DPoP-Nonce").isPresent()) {
      // RFC 9449 §8: the issuer wants its nonce in the proof; one retry with it.
      dpop.nonce(tokenEndpoint, response.headers().firstValue("DPoP-Nonce").get());
      response = requestToken();
    }
    JsonNode body;
    try {
      body = JsonMapper.shared().readTree(response.body());
    } catch (RuntimeException e) {
      throw new TokenRequestException("token endpoint answered " + response.statusCode() + " with a body that is"
          + " not JSON", e);
    }
    if (response.statusCode() != 200) {
      throw new TokenRequestException("token endpoint answered " + response.statusCode() + " "
          + body.path("error").asString("") + ": " + body.path("error_description").asString(""), null);
    }
    String token = body.path("access_token").asString("");
    long expiresIn = body.path("expires_in").asLong(0);
    if (token.isEmpty() || expiresIn <= 0) {
      throw new TokenRequestException("token response lacks access_token or a positive expires_in", null);
    }
    String tokenType = body.path("token_type").asString("");
    if (dpop != null && !tokenType.equalsIgnoreCase("DPoP")) {
      // A Bearer token would work for anyone who steals it: not what this client asked for.
      throw new TokenRequestException("asked for a DPoP-bound token, the issuer answered token_type '" + tokenType
          + "'", null);
    }
    double fraction = ThreadLocalRandom.current().nextDouble(RENEW_FROM, RENEW_TO);
    CachedToken fetched = new CachedToken(token, requested.plusSeconds(expiresIn),
        requested.plusMillis(Math.round(expiresIn * 1000 * fraction)), fraction);
    events.accept(clientId + ": new token from the issuer (" + reason + "), expires in " + expiresIn
        + " s, scope \"" + body.path("scope").asString("") + "\""
        + (dpop == null ? "" : ", token_type DPoP, bound to key " + dpop.thumbprint()));
    return fetched;
  }

  private HttpResponse<String> requestToken() {
    HttpRequest.Builder request = HttpRequest.newBuilder(tokenEndpoint)
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", authorization)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "grant_type=client_credentials&scope=" + formEncode(scope)));
    if (dpop != null) {
      request.header("DPoP", dpop.proof("POST", tokenEndpoint, null));
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new TokenRequestException("token endpoint " + tokenEndpoint + " unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenRequestException("interrupted while requesting a token", e);
    }
    fetches.incrementAndGet();
    return response;
  }

  private static String formEncode(String value) {
    return URLEncoder.encode(value, UTF_8);
  }

  private record CachedToken(String value, Instant expiresAt, Instant renewAt, double renewFraction) {}
}
