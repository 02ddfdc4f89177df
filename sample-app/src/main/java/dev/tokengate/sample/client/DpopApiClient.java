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
 * Calls the API with a DPoP-bound token (RFC 9449 §7): {@code Authorization: DPoP <token>} and a fresh {@code DPoP}
 * proof per request. When the API asks for a nonce (401 {@code use_dpop_nonce} with {@code DPoP-Nonce}) it signs a
 * new proof with that nonce and retries once; a {@code DPoP-Nonce} on any answer is kept for the next proof. On 401
 * {@code invalid_token} it renews the token once and retries once, as {@link ApiClient} does.
 */
public final class DpopApiClient {
  private final HttpClient http;
  private final URI base;
  private final ClientCredentialsTokenSource tokens;
  private final DpopProofs proofs;
  private final Consumer<String> events;
  private volatile String lastProof;

  /** @param tokens a source made with {@code proofs}, so that its tokens are bound to their key */
  public DpopApiClient(HttpClient http, URI base, ClientCredentialsTokenSource tokens, DpopProofs proofs,
      Consumer<String> events) {
    this.http = requireNonNull(http, "http");
    this.base = requireNonNull(base, "base");
    this.tokens = requireNonNull(tokens, "tokens");
    this.proofs = requireNonNull(proofs, "proofs");
    this.events = requireNonNull(events, "events");
  }

  public HttpResponse<String> get(String path) {
    URI uri = base.resolve(path);
    String token = tokens.token();
    HttpResponse<String> response = send(uri, token);
    if (response.statusCode() == 401 && challengeSays(response, "use_dpop_nonce")
        && response.headers().firstValue("DPoP-Nonce").isPresent()) {
      events.accept(tokens.clientId() + ": " + path + " answered 401 use_dpop_nonce, signing a new proof with the"
          + " API's nonce and retrying once");
      response = send(uri, token);
    } else if (response.statusCode() == 401 && challengeSays(response, "invalid_token")) {
      events.accept(tokens.clientId() + ": " + path + " answered 401 invalid_token, renewing the token once and"
          + " retrying");
      response = send(uri, tokens.renewAfterRejection(token));
    }
    return response;
  }

  /** Sends the last proof again, as an attacker who captured the request would: the API must refuse it. */
  public HttpResponse<String> replayLast(String path) {
    return exchange(base.resolve(path), "DPoP " + tokens.token(), requireNonNull(lastProof, "no proof sent yet"));
  }

  /** Sends the bound token as a plain Bearer token, as a thief without the key would: the API must refuse it. */
  public HttpResponse<String> asBearer(String path) {
    return exchange(base.resolve(path), "Bearer " + tokens.token(), null);
  }

  private HttpResponse<String> send(URI uri, String token) {
    String proof = proofs.proof("GET", uri, token);
    lastProof = proof;
    return exchange(uri, "DPoP " + token, proof);
  }

  private HttpResponse<String> exchange(URI uri, String authorization, String proof) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
        .header("Accept", "application/json").header("Authorization", authorization).GET();
    if (proof != null) {
      request.header("DPoP", proof);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("API " + base + " unreachable", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while calling the API", e);
    }
    response.headers().firstValue("DPoP-Nonce").ifPresent(nonce -> proofs.nonce(uri, nonce));
    return response;
  }

  private static boolean challengeSays(HttpResponse<String> response, String error) {
    return response.headers().allValues("WWW-Authenticate").stream()
        .anyMatch(challenge -> challenge.contains("error=\"" + error + "\""));
  }
}
