package dev.tokengate.sample;

import dev.tokengate.sample.DemoClients.DemoClient;
import dev.tokengate.sample.client.ClientDemo;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;

/**
 * Runs the whole demo: starts the authorization server and the protected API, lets two client services call the
 * API, prints copy-paste {@code curl} commands, and keeps serving until Ctrl-C.
 *
 * <p>Arguments: {@code --issuer-port=9080 --api-port=9081 --token-ttl=5m} (the defaults).
 */
public final class SampleApplication {
  private SampleApplication() {}

  public static void main(String[] args) throws Exception {
    SampleServers.Options options;
    try {
      options = options(args);
    } catch (RuntimeException e) {
      System.err.println("Cannot start: " + e.getMessage() + ". Arguments (all optional): --issuer-port=9080"
          + " --api-port=9081 --token-ttl=5m");
      System.exit(2);
      return;
    }
    PrintStream out = System.out;
    out.println("Starting the authorization server on 127.0.0.1:" + options.issuerPort() + " and the API on"
        + " 127.0.0.1:" + options.apiPort() + " ...");
    SampleServers servers = SampleServers.start(options);
    String issuer = servers.issuerUri().toString();
    String api = servers.apiUri().toString();
    out.println();
    out.println("Authorization server (Spring Authorization Server): " + issuer);
    out.println("  token endpoint  " + issuer + "/oauth2/token");
    out.println("  JWKS            " + issuer + "/oauth2/jwks");
    out.println("  discovery       " + issuer + "/.well-known/oauth-authorization-server");
    out.println("Protected API (tokengate): " + api);
    out.println("  GET  /api/countries  needs countries:read");
    out.println("  POST /api/orders     needs orders:write");
    out.println("  GET  /api/whoami     any valid token");
    out.println("  GET  /health         public");
    out.println("Clients (demo secrets, never use them elsewhere):");
    for (DemoClient client : DemoClients.ALL) {
      out.println("  " + client.id() + " / " + client.secret() + "  scopes: " + client.scopeParameter());
    }

    out.println();
    out.println("Client services calling the API:");
    new ClientDemo(HttpClient.newHttpClient(), servers.tokenEndpoint(), servers.apiUri(), out)
        .run(DemoClients.ORDERS_SERVICE, DemoClients.REPORTING_SERVICE);

    DemoClient orders = DemoClients.ORDERS_SERVICE;
    DemoClient reporting = DemoClients.REPORTING_SERVICE;
    String order =
        " -H 'Content-Type: application/json' -d '{\"country\":\"JP\",\"quantity\":3}' " + api + "/api/orders";
    out.println();
    out.println("Try it yourself (copy-paste):");
    out.println();
    out.println("  TOKEN=" + tokenCommand(orders, issuer));
    out.println("  curl -i -w '\\n' -H \"Authorization: Bearer $TOKEN\" " + api + "/api/countries");
    out.println("  curl -i -w '\\n' -H \"Authorization: Bearer $TOKEN\"" + order);
    out.println("  curl -i -w '\\n' -H \"Authorization: Bearer $TOKEN\" " + api + "/api/whoami");
    out.println("  curl -i -w '\\n' " + api + "/api/countries                                  # no token: 401");
    out.println("  curl -i -w '\\n' -H \"Authorization: Bearer ${TOKEN}x\" " + api
        + "/api/countries  # tampered: 401");
    out.println("  REPORTING_TOKEN=" + tokenCommand(reporting, issuer));
    out.println("  curl -i -w '\\n' -H \"Authorization: Bearer $REPORTING_TOKEN\"" + order
        + "  # lacks orders:write: 403");
    out.println();
    // The servers' threads keep the JVM alive; Spring's shutdown hooks stop both on Ctrl-C.
    out.println("Running until Ctrl-C.");
  }

  private static SampleServers.Options options(String[] args) {
    int issuerPort = 9080;
    int apiPort = 9081;
    Duration tokenTtl = Duration.ofMinutes(5);
    for (String arg : args) {
      if (arg.startsWith("--issuer-port=")) {
        issuerPort = Integer.parseInt(arg.substring("--issuer-port=".length()));
      } else if (arg.startsWith("--api-port=")) {
        apiPort = Integer.parseInt(arg.substring("--api-port=".length()));
      } else if (arg.startsWith("--token-ttl=")) {
        tokenTtl = Duration.parse("PT" + arg.substring("--token-ttl=".length()));
      } else {
        throw new IllegalArgumentException("unknown argument '" + arg + "'");
      }
    }
    return new SampleServers.Options(issuerPort, apiPort, tokenTtl, Clock.systemUTC());
  }

  // sed rather than jq, which not every machine has.
  private static String tokenCommand(DemoClient client, String issuer) {
    return "$(curl -s -u " + client.id() + ":" + client.secret() + " -d grant_type=client_credentials"
        + " --data-urlencode 'scope=" + client.scopeParameter() + "' " + issuer + "/oauth2/token"
        + " | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')";
  }
}
