package dev.tokengate.benchmarks;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The server behind {@code benchmarks/e2e.sh}: Jetty on loopback with one hello servlet at {@code /plain/hello}
 * (no filter) and at {@code /gated/hello} (behind {@link TokenGateFilter}, default settings, keys from a loopback
 * JWKS server), and {@code /admin/heap}, which collects garbage and answers the heap in use.
 *
 * <p>Arguments: a directory, where it writes {@code port}, {@code token.txt} (the one repeated token) and {@code
 * tokens-a.txt}, {@code tokens-b.txt} (10,000 distinct tokens each, kept and reused while they have an hour left). It
 * exits by itself after {@code bench.e2e.maxSeconds} (default 900), so no run can leave it behind.
 */
public final class EndToEndServer {
  static final int DISTINCT_TOKENS = 10_000;

  private EndToEndServer() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "benchmarks/target/e2e");
    Fixture fixture = prepare(dir, "EndToEndServer", 900);

    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    http.setHeaderCacheCaseSensitive(true);
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);

    ServletContextHandler plain = new ServletContextHandler("/plain");
    plain.addServlet(new ServletHolder(new Hello()), "/hello");
    ServletContextHandler gated = new ServletContextHandler("/gated");
    gated.addFilter(new FilterHolder(new TokenGateFilter(TokenGateConfig.builder()
        .issuer(Fixture.ISSUER)
        .jwksUri(URI.create(fixture.jwksUri()))
        .audiences(Fixture.AUDIENCE)
        .build())), "/*", EnumSet.of(DispatcherType.REQUEST));
    gated.addServlet(new ServletHolder(new Hello()), "/hello");
    ServletContextHandler admin = new ServletContextHandler("/admin");
    admin.addServlet(new ServletHolder(new Heap()), "/heap");
    server.setHandler(new Handler.Sequence(plain, gated, admin));
    server.start();
    Files.writeString(dir.resolve("port"), Integer.toString(connector.getLocalPort()));
    System.out.println("READY " + connector.getLocalPort());
    server.join();
  }

  /**
   * What every end-to-end server does first: exit by itself after {@code bench.e2e.maxSeconds} (so a forgotten server
   * never outlives its run), and write the repeated token and the two sets of distinct tokens wrk sends.
   */
  static Fixture prepare(Path dir, String name, long defaultMaxSeconds) throws IOException {
    Files.createDirectories(dir);
    long maxSeconds = Long.getLong("bench.e2e.maxSeconds", defaultMaxSeconds);
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(Duration.ofSeconds(maxSeconds).toMillis());
      } catch (InterruptedException e) {
        return;
      }
      System.err.println(name + ": " + maxSeconds + " s are up, exiting");
      System.exit(2);
    }, "e2e-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    Fixture fixture = Fixture.get();
    Files.writeString(dir.resolve("token.txt"), fixture.token("RS256") + "\n");
    writeTokens(fixture, dir.resolve("tokens-a.txt"), "flood-a-");
    writeTokens(fixture, dir.resolve("tokens-b.txt"), "flood-b-");
    return fixture;
  }

  static void writeTokens(Fixture fixture, Path file, String prefix) throws IOException {
    if (Files.exists(file)
        && Files.getLastModifiedTime(file).toInstant().isAfter(Instant.now().minus(Duration.ofHours(1)))) {
      return;
    }
    Instant now = Instant.now();
    List<String> tokens = IntStream.range(0, DISTINCT_TOKENS).parallel()
        .mapToObj(i -> fixture.sign("RS256", prefix + i, now, Duration.ofHours(2)))
        .collect(Collectors.toList());
    Files.write(file, tokens, StandardCharsets.US_ASCII);
  }

  /** What every benchmark endpoint answers. */
  static final class Hello extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("text/plain");
      response.getWriter().write("hello " + (request.getRemoteUser() == null ? "world" : request.getRemoteUser()));
    }
  }

  /** The heap in use after a full collection, in bytes. */
  static final class Heap extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      response.setContentType("text/plain");
      response.getWriter().write(Long.toString(memory.getHeapMemoryUsage().getUsed()));
    }
  }
}
