package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.ECKey;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.DpopProof;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A DPoP request to a public servlet that forwards to a protected one: the proof is checked on the FORWARD dispatch,
 * against the URI the client called (the one its proof names), not the forward's target.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopDispatchTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private final ECKey clientKey = DpopProof.ecKey();
  private TestIssuer issuer;
  private Server server;
  private String base;

  /** Public: forwards to {@code ?to=}. */
  public static class Forward extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException, ServletException {
      request.getRequestDispatcher(request.getParameter("to")).forward(request, response);
    }
  }

  @BeforeAll
  void start() throws Exception {
    issuer = TestIssuer.start();
    TokenGateConfig config = TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .dpopMode(DpopMode.REQUIRED).publicPaths("/public/*").build();
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/app");
    context.addFilter(new FilterHolder(new TokenGateFilter(config)), "/*", EnumSet.allOf(DispatcherType.class));
    context.addServlet(new ServletHolder(Forward.class), "/public/forward");
    context.addServlet(new ServletHolder(CountingServlets.Files.class), "/files/*");
    server.setHandler(context);
    server.start();
    base = "http://127.0.0.1:" + connector.getLocalPort() + "/app";
  }

  @AfterAll
  void stop() throws Exception {
    server.stop();
    issuer.close();
  }

  @BeforeEach
  void clear() {
    CountingServlets.HANDLED.clear();
  }

  private HttpResponse<String> call(String path, String token, String proof) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "DPoP " + token)
        .header("DPoP", proof).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void forwardToAProtectedServlet_checksTheProofAgainstTheUriTheClientCalled() throws Exception {
    String token = issuer.token().claim("cnf", Map.of("jkt", DpopProof.thumbprint(clientKey))).sign();
    String proof = DpopProof.of(clientKey, "GET", base + "/public/forward", token).sign();
    HttpResponse<String> response = call("/public/forward?to=/files/a", token, proof);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(CountingServlets.HANDLED).containsExactly("Files /files/a");
  }

  @Test
  void forward_withAProofForTheTarget_isRefused_andTheTargetDoesNotRun() throws Exception {
    String token = issuer.token().claim("cnf", Map.of("jkt", DpopProof.thumbprint(clientKey))).sign();
    String proof = DpopProof.of(clientKey, "GET", base + "/files/a", token).sign();
    HttpResponse<String> response = call("/public/forward?to=/files/a", token, proof);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("invalid_dpop_proof").contains("htu does not match");
    assertThat(CountingServlets.HANDLED).isEmpty();
  }
}
