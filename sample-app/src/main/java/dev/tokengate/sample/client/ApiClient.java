package dev.tokengate.sample.client;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Calls the protected API with a token from a {@link ClientCredentialsTokenSource}. On 401 {@code invalid_token}
 * it renews the token once and retries once: a second rejection is the API's final word, and retrying in a loop
 * would only hammer the issuer. 403 {@code insufficient_scope} is never retried: a new token carries the same
 * scopes.
 */
public final class ApiClient {
  private final HttpClient http;
  private final URI base;
  private final ClientCredentialsTokenSource tokens;
  private final Consumer<String> events;

  public ApiClient(HttpClient http, URI base, ClientCredentialsTokenSource tokens, Consumer<String> events) {
    this.http = requireNonNull(http, "http");
    this.base = requireNonNull(base, "base");
    this.tokens = requireNonNull(tokens, "tokens");
    this.events = requireNonNull(events, "events");
  }

  public HttpResponse<String> get(String path) {
    return send(path, HttpRequest.newBuilder().GET());
  }

  public HttpResponse<String> postJson(String path, String json) {
    return send(path, HttpRequest.newBuilder()
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpResponse<String> send(String path, HttpRequest.Builder request) {
    request.uri(base.resolve(path)).timeout(Duration.ofSeconds(10)).header("Accept", "application/json");
    String token = tokens.token();
    HttpResponse<String> response = send(request, token);
    if (response.statusCode() == 401 && isInvalidToken(response)) {
      events.accept(tokens.clientId() + ": " + path + " answered 401 invalid_token ("
          + response.headers().firstValue("WWW-Authenticate").orElse("") + "), renewing the token once and"
          + " retrying");
      response = send(request, tokens.renewAfterRejection(token));
    }
    return response;
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String token) {
    try {
      return http.send(request.setHeader("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("API " + base + " unreachable", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling the API", e);
    }
  }

  private static boolean isInvalidToken(HttpResponse<String> response) {
    return response.headers().allValues("WWW-Authenticate").stream()
        .anyMatch(challenge -> challenge.contains("error=\"invalid_token\""));
  }
}
