package dev.tokengate.sample.api;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import java.net.URI;
import java.util.List;
import java.util.Map;
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
  List<Map<String, String>> countries() {
    return List.of(
        Map.of("code", "NL", "name", "Netherlands"),
        Map.of("code", "FR", "name", "France"),
        Map.of("code", "JP", "name", "Japan"));
  }

  @RequiredScope("orders:write")
  @PostMapping("/api/orders")
  ResponseEntity<Map<String, Object>> placeOrder(@RequestBody Map<String, Object> order, ClientPrincipal caller) {
    long id = orderIds.incrementAndGet();
    return ResponseEntity.created(URI.create("/api/orders/" + id))
        .body(Map.of("id", id, "order", order, "placedBy", caller.clientId()));
  }

  /** Any valid token: who is calling, with which scopes. */
  @GetMapping("/api/whoami")
  Map<String, Object> whoami(ClientPrincipal caller) {
    return Map.of("clientId", caller.clientId(), "scopes", new TreeSet<>(caller.scopes()));
  }

  /** Public. */
  @GetMapping("/health")
  Map<String, String> health() {
    return Map.of("status", "UP");
  }
}
