package dev.tokengate.spring.slice;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** An application as a user would write it, for a {@code @WebMvcTest} slice of it. */
@SpringBootApplication
public class SliceApp {
  @RestController
  static class Countries {
    @GetMapping("/api/countries")
    @RequiredScope("countries:read")
    String countries(ClientPrincipal caller) {
      return "countries for " + caller.clientId();
    }

    @GetMapping("/api/open")
    String open() {
      return "open";
    }
  }
}
