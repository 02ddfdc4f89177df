package dev.tokengate.spring.web;

import dev.tokengate.RequiredScope;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application of the path-confusion matrix: Spring MVC handlers with catch-all mappings (which route on the raw
 * request URI), each counting its calls, so that a test can assert that no handler ran.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({PathConfusionApi.HandlerCalls.class, PathConfusionApi.Files.class, PathConfusionApi.Admin.class,
    PathConfusionApi.Reports.class, PathConfusionApi.Public.class})
public class PathConfusionApi {
  /** Which handler ran how often. */
  public static final class HandlerCalls {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    String record(String handler) {
      calls.computeIfAbsent(handler, name -> new AtomicInteger()).incrementAndGet();
      return handler;
    }

    Map<String, Integer> snapshot() {
      Map<String, Integer> snapshot = new TreeMap<>();
      calls.forEach((name, count) -> snapshot.put(name, count.get()));
      return snapshot;
    }

    void reset() {
      calls.clear();
    }
  }

  /** Unannotated: protected only by the filter. */
  @RestController
  @RequestMapping("/api/files")
  static class Files {
    private final HandlerCalls calls;

    Files(HandlerCalls calls) {
      this.calls = calls;
    }

    @GetMapping("/**")
    String file() {
      return calls.record("files");
    }
  }

  /** Annotated: the interceptor's check, too. */
  @RestController
  @RequestMapping("/api/admin")
  @RequiredScope("admin")
  static class Admin {
    private final HandlerCalls calls;

    Admin(HandlerCalls calls) {
      this.calls = calls;
    }

    @GetMapping("/**")
    String admin() {
      return calls.record("admin");
    }
  }

  /** Unannotated, guarded by the scope rule {@code GET /api/reports/*=reports:read}. */
  @RestController
  @RequestMapping("/api/reports")
  static class Reports {
    private final HandlerCalls calls;

    Reports(HandlerCalls calls) {
      this.calls = calls;
    }

    @GetMapping("/**")
    String report() {
      return calls.record("reports");
    }
  }

  /** A public path. */
  @RestController
  @RequestMapping("/public")
  static class Public {
    private final HandlerCalls calls;

    Public(HandlerCalls calls) {
      this.calls = calls;
    }

    @GetMapping("/ping")
    String ping() {
      return calls.record("public");
    }
  }
}
