package dev.tokengate.sample.client;

import static java.util.Objects.requireNonNull;

import dev.tokengate.sample.DemoClients.DemoClient;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Two client services calling the API, printing each exchange. */
public final class ClientDemo {
  private final HttpClient http;
  private final URI tokenEndpoint;
  private final URI api;
  private final PrintStream out;

  public ClientDemo(HttpClient http, URI tokenEndpoint, URI api, PrintStream out) {
    this.http = requireNonNull(http, "http");
    this.tokenEndpoint = requireNonNull(tokenEndpoint, "tokenEndpoint");
    this.api = requireNonNull(api, "api");
    this.out = requireNonNull(out, "out");
  }

  public void run(DemoClient orders, DemoClient reporting) throws Exception {
    ApiClient ordersApi = client(orders);
    show(orders, "GET /api/whoami", ordersApi.get("/api/whoami"));
    show(orders, "GET /api/countries", ordersApi.get("/api/countries"));
    show(orders, "POST /api/orders", ordersApi.postJson("/api/orders", "{\"country\":\"NL\",\"quantity\":2}"));

    ApiClient reportingApi = client(reporting);
    show(reporting, "GET /api/countries", reportingApi.get("/api/countries"));
    show(reporting, "POST /api/orders (lacks orders:write)",
        reportingApi.postJson("/api/orders", "{\"country\":\"FR\",\"quantity\":1}"));

    // DPoP (RFC 9449): the token is bound to a key only this client holds, and every call carries a fresh proof
    // signed with it. A captured proof cannot be sent again, and the token alone is worthless.
    DpopProofs key = DpopProofs.generate(Clock.systemUTC());
    ClientCredentialsTokenSource bound = new ClientCredentialsTokenSource(http, tokenEndpoint, reporting.id(),
        reporting.secret(), reporting.scopeParameter(), Clock.systemUTC(), this::event, key);
    DpopApiClient dpop = new DpopApiClient(http, api, bound, key, this::event);
    show(reporting, "GET /api/countries with a DPoP-bound token and a proof", dpop.get("/api/countries"));
    show(reporting, "GET /api/countries replaying that proof", dpop.replayLast("/api/countries"));
    show(reporting, "GET /api/countries with the DPoP-bound token as Bearer", dpop.asBearer("/api/countries"));

    HttpResponse<String> anonymous = http.send(
        HttpRequest.newBuilder(api.resolve("/api/countries")).GET().build(), HttpResponse.BodyHandlers.ofString());
    show(null, "GET /api/countries without a token", anonymous);

    // Single flight: eight threads of a fresh client all need a token at the same moment.
    ClientCredentialsTokenSource tokens = tokens(orders);
    ApiClient concurrent = new ApiClient(http, api, tokens, this::event);
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(pool.submit(() -> {
          start.await();
          return concurrent.get("/api/countries").statusCode();
        }));
      }
      start.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> call : calls) {
        statuses.add(call.get());
      }
      out.println("  " + orders.id() + ": 8 concurrent calls answered " + statuses + " using "
          + tokens.fetchCount() + " token request(s)");
    } finally {
      pool.shutdownNow();
    }
  }

  private ApiClient client(DemoClient client) {
    return new ApiClient(http, api, tokens(client), this::event);
  }

  private ClientCredentialsTokenSource tokens(DemoClient client) {
    return new ClientCredentialsTokenSource(http, tokenEndpoint, client.id(), client.secret(),
        client.scopeParameter(), Clock.systemUTC(), this::event);
  }

  private void event(String line) {
    out.println("  " + line);
  }

  private void show(DemoClient client, String call, HttpResponse<String> response) {
    StringBuilder line = new StringBuilder("  ")
        .append(client == null ? "anonymous" : client.id()).append(": ").append(call).append(" -> ")
        .append(response.statusCode());
    response.headers().firstValue("WWW-Authenticate").ifPresent(challenge ->
        line.append("\n      WWW-Authenticate: ").append(challenge));
    if (!response.body().isEmpty()) {
      line.append("\n      ").append(response.body());
    }
    out.println(line);
  }
}
