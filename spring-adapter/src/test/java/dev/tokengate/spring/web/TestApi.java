package dev.tokengate.spring.web;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import java.security.Principal;
import java.util.TreeSet;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** A small application as a user would write it: controllers, nothing tokengate-specific but the annotations. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({TestApi.Countries.class, TestApi.Orders.class, TestApi.Me.class, TestApi.Public.class})
public class TestApi {
  @RestController
  @RequestMapping("/api/countries")
  @RequiredScope("countries:read")
  static class Countries {
    @GetMapping
    String list() {
      return "countries";
    }

    @PostMapping
    @RequiredScope("countries:write")
    String create() {
      return "created";
    }

    @GetMapping("/either")
    @RequiredScope(value = {"admin", "orders:write"}, mode = RequiredScope.Mode.ANY)
    String either() {
      return "either";
    }
  }

  @RestController
  @RequestMapping("/api/orders")
  static class Orders {
    @PostMapping
    @CanWriteOrders
    String create() {
      return "order created";
    }

    @DeleteMapping
    @CanDeleteOrders
    String delete() {
      return "order deleted";
    }

    @GetMapping
    String list() {
      return "orders";
    }
  }

  @RestController
  @RequestMapping("/api/me")
  static class Me {
    @GetMapping
    String me(ClientPrincipal caller) {
      return caller.clientId() + " " + new TreeSet<>(caller.scopes());
    }

    @GetMapping("/principal")
    String principal(Principal principal) {
      return principal.getClass().getSimpleName() + " " + principal.getName();
    }
  }

  @RestController
  @RequestMapping("/public")
  static class Public {
    @GetMapping("/ping")
    String ping(ClientPrincipal caller) {
      return "pong " + (caller == null ? "anonymous" : caller.clientId());
    }

    @GetMapping("/scoped")
    @RequiredScope("countries:read")
    String scoped() {
      return "should not be reached without a token";
    }
  }
}
