package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.spi.ValidationListener;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.AsyncContext;
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
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
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
 * Every dispatch type on a real Jetty, with the filter mapped for all of them (issue 10, 7): the caller is visible
 * after {@code startAsync().dispatch()}, forward, include and on error pages, without a second validation; each
 * dispatch's target keeps its own rules; nothing turns a refusal into a 500.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DispatchTest {
  /** What ran, as "servlet dispatchType caller" lines. */
  static final List<String> RAN = new CopyOnWriteArrayList<>();

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicInteger validations = new AtomicInteger();
  private TestIssuer issuer;
  private TokenValidator validator;
  private Server server;
  private String base;

  /** Writes what it sees of the caller. */
  public static class Show extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      String line = getServletName() + " " + request.getDispatcherType() + " " + request.getRemoteUser();
      RAN.add(line);
      response.getWriter().print("[" + line + " principal=" + (request.getUserPrincipal() != null)
          + " inRole(admin)=" + request.isUserInRole("admin") + " authType=" + request.getAuthType() + "]");
    }
  }

  @RequiredScope("orders:read")
  public static class Orders extends Show {}

  /** startAsync, then dispatch back to itself, or to {@code ?to=}. */
  public static class Async extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      if (request.getDispatcherType() == DispatcherType.REQUEST) {
        AsyncContext async = request.startAsync();
        String to = request.getParameter("to");
        async.start(() -> {
          if (to == null) {
            async.dispatch();
          } else {
            async.dispatch(to);
          }
        });
        return;
      }
      RAN.add("async " + request.getDispatcherType() + " " + request.getRemoteUser());
      response.getWriter().print("async caller=" + request.getRemoteUser() + " principal="
          + (request.getUserPrincipal() != null) + " inRole(admin)=" + request.isUserInRole("admin"));
    }
  }

  /** startAsync, then answers from another thread through the AsyncContext's request, with no dispatch. */
  public static class AsyncDirect extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      AsyncContext async = request.startAsync();
      async.start(() -> {
        try {
          HttpServletRequest seen = (HttpServletRequest) async.getRequest();
          async.getResponse().getWriter().print("direct caller=" + seen.getRemoteUser() + " inRole(admin)="
              + seen.isUserInRole("admin"));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
        async.complete();
      });
    }
  }

  /** A public servlet that forwards to, or includes, {@code ?to=}. */
  public static class Dispatcher extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException, ServletException {
      String to = request.getParameter("to");
      if (request.getServletPath().endsWith("/forward")) {
        request.getRequestDispatcher(to).forward(request, response);
      } else {
        response.getWriter().print("before|");
        request.getRequestDispatcher(to).include(request, response);
        response.getWriter().print("|after");
      }
    }
  }

  /** Answers with the error status {@code ?status=}. */
  public static class Fail extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.sendError(Integer.parseInt(request.getParameter("status")));
    }
  }

  @BeforeAll
  void start() throws Exception {
    issuer = TestIssuer.start();
    validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .publicPaths("/public/*", "/errors/public").scopeRule("/admin/*=admin").build());
    ValidationListener counter = new ValidationListener() {
      @Override
      public void onAccepted(ClientPrincipal principal) {
        validations.incrementAndGet();
      }
    };
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/app");
    FilterHolder filter = new FilterHolder(new TokenGateFilter(validator, counter));
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.allOf(DispatcherType.class));
    servlet(context, "show", new Show(), "/show/*");
    servlet(context, "admin", new Show(), "/admin/*");
    servlet(context, "orders", new Orders(), "/orders/*");
    servlet(context, "errorPage", new Show(), "/errors/page");
    servlet(context, "publicErrorPage", new Show(), "/errors/public");
    servlet(context, "async", new Async(), "/async/*");
    servlet(context, "publicAsync", new Async(), "/public/async");
    servlet(context, "asyncDirect", new AsyncDirect(), "/async-direct");
    servlet(context, "dispatcher", new Dispatcher(), "/public/forward", "/public/include", "/protected/forward");
    servlet(context, "fail", new Fail(), "/fail", "/public/fail");
    ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
    errors.addErrorPage(404, "/errors/page");
    errors.addErrorPage(409, "/admin/error-page");
    errors.addErrorPage(410, "/errors/public");
    context.setErrorHandler(errors);
    server.setHandler(context);
    server.start();
    base = "http://127.0.0.1:" + connector.getLocalPort() + "/app";
  }

  private static void servlet(ServletContextHandler context, String name, HttpServlet servlet, String... paths) {
    ServletHolder holder = new ServletHolder(name, servlet);
    holder.setAsyncSupported(true);
    for (String path : paths) {
      context.addServlet(holder, path);
    }
  }

  @AfterAll
  void stop() throws Exception {
    server.stop();
    validator.close();
    issuer.close();
  }

  @BeforeEach
  void forget() {
    RAN.clear();
    validations.set(0);
  }

  private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String plain() {
    return issuer.token().sign();
  }

  private String admin() {
    return issuer.token().scope("admin", "orders:read").sign();
  }

  @Test
  void asyncDispatch_showsTheCaller_withoutASecondValidation() throws Exception {
    HttpResponse<String> response = get("/async/x", admin());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("async caller=orders-service principal=true inRole(admin)=true");
    assertThat(validations).hasValue(1);
  }

  @Test
  void asyncContextRequest_onAnotherThread_showsTheCaller() throws Exception {
    HttpResponse<String> response = get("/async-direct", admin());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("direct caller=orders-service inRole(admin)=true");
  }

  @Test
  void asyncDispatchToAStricterTarget_isHeldToItsRules() throws Exception {
    HttpResponse<String> refused = get("/async/x?to=/admin/x", plain());
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("error=\"insufficient_scope\"", "scope=\"admin\""));
    assertThat(RAN).isEmpty();
    HttpResponse<String> accepted = get("/async/x?to=/admin/x", admin());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(RAN).containsExactly("admin ASYNC orders-service");
  }

  @Test
  void asyncDispatchFromAPublicPathToAProtectedOne_needsAToken() throws Exception {
    HttpResponse<String> refused = get("/public/async?to=/show/x", null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    assertThat(RAN).isEmpty();
    assertThat(get("/public/async?to=/show/x", plain()).body()).contains("show ASYNC orders-service");
  }

  @Test
  void forwardFromAPublicServletToAProtectedPath_needsAToken_andTheTargetsScopes() throws Exception {
    HttpResponse<String> noToken = get("/public/forward?to=/show/x", null);
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(noToken.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    HttpResponse<String> badToken = get("/public/forward?to=/show/x", plain() + "x");
    assertThat(badToken.statusCode()).isEqualTo(401);
    HttpResponse<String> lacking = get("/public/forward?to=/admin/x", plain());
    assertThat(lacking.statusCode()).isEqualTo(403);
    HttpResponse<String> lackingAnnotated = get("/public/forward?to=/orders/1", plain());
    assertThat(lackingAnnotated.statusCode()).isEqualTo(403);
    assertThat(lackingAnnotated.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("scope=\"orders:read\""));
    assertThat(RAN).isEmpty();
    HttpResponse<String> accepted = get("/public/forward?to=/admin/x", admin());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).contains("admin FORWARD orders-service principal=true inRole(admin)=true");
  }

  @Test
  void forwardFromAProtectedServlet_reusesTheCaller_andChecksTheTargetsAnnotation() throws Exception {
    HttpResponse<String> lacking = get("/protected/forward?to=/orders/1", issuer.token().scope("x").sign());
    assertThat(lacking.statusCode()).isEqualTo(403);
    assertThat(lacking.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("scope=\"orders:read\""));
    assertThat(RAN).isEmpty();
    validations.set(0);
    HttpResponse<String> accepted = get("/protected/forward?to=/orders/1", admin());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(accepted.body()).contains("orders FORWARD orders-service principal=true inRole(admin)=true");
    assertThat(validations).as("validated on the REQUEST dispatch only").hasValue(1);
  }

  @Test
  void includeOfAProtectedPath_fromAPublicPage_isLeftOutWithoutAToken() throws Exception {
    HttpResponse<String> noToken = get("/public/include?to=/admin/x", null);
    assertThat(noToken.statusCode()).isEqualTo(200);
    assertThat(noToken.body()).isEqualTo("before||after");
    HttpResponse<String> lacking = get("/public/include?to=/admin/x", plain());
    assertThat(lacking.body()).isEqualTo("before||after");
    assertThat(RAN).isEmpty();
    HttpResponse<String> accepted = get("/public/include?to=/admin/x", admin());
    assertThat(accepted.body()).startsWith("before|[admin INCLUDE orders-service principal=true").endsWith("|after");
  }

  @Test
  void errorPage_showsTheCaller_andKeepsTheStatus() throws Exception {
    HttpResponse<String> response = get("/fail?status=404", plain());
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("errorPage ERROR orders-service principal=true");
    assertThat(validations).hasValue(1);
  }

  @Test
  void errorPageThatIsNotPublic_isNotRunForARequestWithoutCaller_andTheStatusStays() throws Exception {
    HttpResponse<String> response = get("/public/fail?status=404", null);
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(RAN).isEmpty();
    HttpResponse<String> publicPage = get("/public/fail?status=410", null);
    assertThat(publicPage.statusCode()).isEqualTo(410);
    assertThat(RAN).containsExactly("publicErrorPage ERROR null");
  }

  @Test
  void errorPageTheCallerLacksTheScopeFor_isNotRun_neverA403Or500() throws Exception {
    HttpResponse<String> response = get("/fail?status=409", plain());
    assertThat(response.statusCode()).isEqualTo(409);
    assertThat(response.headers().firstValue("WWW-Authenticate")).isEmpty();
    assertThat(RAN).isEmpty();
  }

  @Test
  void refusalOfTheRequestItself_isWrittenOnce_noErrorDispatchTurnsItIntoA500() throws Exception {
    HttpResponse<String> response = get("/show/x", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).isEqualTo("{\"error_description\":\"An access token is required\"}");
    assertThat(RAN).isEmpty();
  }
}
