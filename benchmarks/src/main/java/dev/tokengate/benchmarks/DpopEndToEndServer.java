package dev.tokengate.benchmarks;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.DpopMode;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenGateFilter;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The server behind {@code benchmarks/e2e-dpop.sh}: Jetty on loopback with a hello servlet at {@code /gated/hello}
 * behind {@link TokenGateFilter} with {@code dpop-mode} {@code allowed} (so one filter answers both a Bearer token
 * and a DPoP-bound one) and the in-process replay store.
 *
 * <p>wrk cannot sign a proof per request, and a proof is accepted once, so this server signs them in advance, once it
 * knows its port (the proofs' {@code htu} names it): {@code bench.dpop.proofs} (default 150,000) proofs by one ES256
 * key, each with its own {@code jti}, in {@code proofs.txt}, half as many for the warm-up in {@code
 * proofs-warmup.txt}, and two more in {@code check-proofs.txt}. {@code dpop-proof-max-age} is 10 minutes, the most
 * the filter allows, so that proofs signed before the run are still young during it. It also writes {@code
 * token.txt} (a Bearer token), {@code dpop-token.txt} (the same token's payload bound to the key) and, last, {@code
 * port}. It exits by itself after {@code bench.e2e.maxSeconds} (default 900).
 */
public final class DpopEndToEndServer {
  private DpopEndToEndServer() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "benchmarks/target/e2e-dpop");
    Files.createDirectories(dir);
    long maxSeconds = Long.getLong("bench.e2e.maxSeconds", 900);
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(Duration.ofSeconds(maxSeconds).toMillis());
      } catch (InterruptedException e) {
        return;
      }
      System.err.println("DpopEndToEndServer: " + maxSeconds + " s are up, exiting");
      System.exit(2);
    }, "e2e-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Files.deleteIfExists(dir.resolve("port"));

    Fixture fixture = Fixture.get();
    ECKey key = new ECKeyGenerator(Curve.P_256).generate();
    Server server = new Server();
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler gated = new ServletContextHandler("/gated");
    gated.addFilter(new FilterHolder(new TokenGateFilter(TokenGateConfig.builder()
        .issuer(Fixture.ISSUER)
        .jwksUri(URI.create(fixture.jwksUri()))
        .audiences(Fixture.AUDIENCE)
        .dpopMode(DpopMode.ALLOWED)
        .dpopProofMaxAge(Duration.ofMinutes(10))
        .build())), "/*", EnumSet.of(DispatcherType.REQUEST));
    gated.addServlet(new ServletHolder(new EndToEndServer.Hello()), "/hello");
    server.setHandler(gated);
    server.start();
    int port = connector.getLocalPort();

    String token = DpopBenchmarks.boundToken(fixture, key);
    String ath = Base64URL.encode(MessageDigest.getInstance("SHA-256")
        .digest(token.getBytes(StandardCharsets.US_ASCII))).toString();
    String htu = "http://127.0.0.1:" + port + "/gated/hello";
    int count = Integer.getInteger("bench.dpop.proofs", 150_000);
    Files.writeString(dir.resolve("token.txt"), fixture.token("RS256") + "\n");
    Files.writeString(dir.resolve("dpop-token.txt"), token + "\n");
    Files.write(dir.resolve("check-proofs.txt"), proofs(key, htu, ath, 2), StandardCharsets.US_ASCII);
    Files.write(dir.resolve("proofs-warmup.txt"), proofs(key, htu, ath, count / 2), StandardCharsets.US_ASCII);
    Files.write(dir.resolve("proofs.txt"), proofs(key, htu, ath, count), StandardCharsets.US_ASCII);
    Files.writeString(dir.resolve("port"), Integer.toString(port));
    System.out.println("READY " + port + " with " + count + " proofs");
    server.join();
  }

  private static List<String> proofs(ECKey key, String htu, String ath, int count) {
    return IntStream.range(0, count).parallel()
        .mapToObj(i -> DpopBenchmarks.proof(key, htu, ath))
        .collect(Collectors.toList());
  }
}
