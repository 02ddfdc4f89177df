package dev.tokengate.sample.api;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The API the demo protects. Every path needs a valid token ({@code tokengate.public-paths} exempts {@code
 * /health}); {@link RequiredScope} adds the scope a handler needs, and a {@link ClientPrincipal} parameter receives
 * the caller.
 */
@RestController
class ApiController {
  private final AtomicLong orderIds = new AtomicLong(1000);

  @RequiredScope("countries:read")
  @GetMapping("/api/countries")
  List<Country> countries() {
    return List.of(new Country("NL", "Netherlands"), new Country("FR", "France"), new Country("JP", "Japan"));
  }

  @RequiredScope("orders:write")
  @PostMapping("/api/orders")
  ResponseEntity<PlacedOrder> placeOrder(@RequestBody Map<String, Object> order, ClientPrincipal caller) {
    long id = orderIds.incrementAndGet();
    return ResponseEntity.created(URI.create("/api/orders/" + id))
        .body(new PlacedOrder(id, caller.clientId(), order));
  }

  /** Any valid token: who is calling, with which scopes. */
  @GetMapping("/api/whoami")
  Caller whoami(ClientPrincipal caller) {
    return new Caller(caller.clientId(), new TreeSet<>(caller.scopes()));
  }

  @GetMapping("/health")
  Map<String, String> health() {
    return Map.of("status", "UP");
  }

  record Country(String code, String name) {}

  record PlacedOrder(long id, String placedBy, Map<String, Object> order) {}

  record Caller(String clientId, SortedSet<String> scopes) {}
}
