package dev.tokengate.testing.spring;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** A user's application: one controller, tokengate from the starter, nothing test-specific. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(OrdersApp.Orders.class)
class OrdersApp {
  @RestController
  static class Orders {
    @GetMapping("/orders")
    @RequiredScope("orders:read")
    String list(ClientPrincipal caller) {
      return "orders for " + caller.clientId();
    }

    @PostMapping("/orders")
    @RequiredScope("orders:write")
    String create() {
      return "created";
    }
  }
}
