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

  public static final List<DemoClient> ALL = List.of(ORDERS_SERVICE, REPORTING_SERVICE);

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
