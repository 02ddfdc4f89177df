package dev.tokengate.sample;

import java.util.List;
import java.util.Set;

/**
 * The clients registered at the demo issuer. The secrets are for this demo only: they are printed, committed and
 * stored in clear, everything a real secret must never be.
 */
public final class DemoClients {
  /** May read countries and place orders. */
  public static final DemoClient ORDERS_SERVICE =
      new DemoClient("orders-service", "orders-secret-demo-only", Set.of("countries:read", "orders:write"));

  /** May read countries only: its attempt to place an order is refused with 403. */
  public static final DemoClient REPORTING_SERVICE =
      new DemoClient("reporting-service", "reporting-secret-demo-only", Set.of("countries:read"));

  /**
   * May read countries; the issuer gives it opaque ("reference") access tokens, which the API checks by asking the
   * issuer's introspection endpoint (RFC 7662).
   */
  public static final DemoClient INVENTORY_SERVICE =
      new DemoClient("inventory-service", "inventory-secret-demo-only", Set.of("countries:read"));

  /** The clients whose access tokens are opaque rather than JWTs. */
  public static final Set<String> OPAQUE_TOKEN_CLIENTS = Set.of(INVENTORY_SERVICE.id());

  /**
   * The API itself, as a client of the issuer: it authenticates with this id and secret to the introspection
   * endpoint. It asks for no tokens.
   */
  public static final DemoClient SAMPLE_API = new DemoClient("sample-api", "sample-api-secret-demo-only", Set.of());

  public static final List<DemoClient> ALL = List.of(ORDERS_SERVICE, REPORTING_SERVICE, INVENTORY_SERVICE);

  private DemoClients() {}

  /** A registered client: its id, its demo secret and the scopes it may ask for. */
  public record DemoClient(String id, String secret, Set<String> scopes) {
    public DemoClient {
      scopes = Set.copyOf(scopes);
    }

    /** The scopes as the space-separated {@code scope} parameter of a token request, in a stable order. */
    public String scopeParameter() {
      return String.join(" ", scopes.stream().sorted().toList());
    }
  }
}
