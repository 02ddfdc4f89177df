package dev.tokengate.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.RequiredScope;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.support.ApiServer;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ways a servlet can be written so that {@code @RequiredScope} is on it, yet was not what the filter read: each
 * must still demand the scope, on a real Jetty. A plain token (no {@code admin}) must get 403 and run no handler; an
 * admin token runs the handler.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServletAnnotationBypassTest {
  static final List<String> RAN = new CopyOnWriteArrayList<>();

  private TestIssuer issuer;
  private ApiServer api;

  /** Records the run, so that a test sees whether any handler ran. */
  static void ran(HttpServletRequest request, HttpServletResponse response) throws IOException {
    RAN.add(request.getMethod() + " " + request.getServletPath());
    response.getWriter().print("ran");
  }

  /** A base servlet whose doGet demands admin. */
  public static class AdminBase extends HttpServlet {
    @Override
    @RequiredScope("admin")
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ran(request, response);
    }
  }

  /** Overrides the guarded doGet to add behaviour, without repeating the annotation. */
  public static class OverridingAdmin extends AdminBase {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setHeader("X-Audited", "yes");
      super.doGet(request, response);
    }
  }

  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @RequiredScope("admin")
  public @interface AdminOnly {}

  /** The user's own annotation, meta-annotated with @RequiredScope, on the class. */
  @AdminOnly
  public static class MetaAnnotatedClass extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ran(request, response);
    }
  }

  /** The user's own annotation on doGet. */
  public static class MetaAnnotatedMethod extends HttpServlet {
    @Override
    @AdminOnly
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ran(request, response);
    }
  }

  /** Handles every method in service(), which carries the annotation. */
  public static class GuardedService extends HttpServlet {
    @Override
    @RequiredScope("admin")
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ran(request, response);
    }
  }

  @BeforeAll
  void start() {
    issuer = TestIssuer.start();
    Map<String, Class<? extends HttpServlet>> servlets = new LinkedHashMap<>();
    servlets.put("/overriding/*", OverridingAdmin.class);
    servlets.put("/meta-class/*", MetaAnnotatedClass.class);
    servlets.put("/meta-method/*", MetaAnnotatedMethod.class);
    servlets.put("/service/*", GuardedService.class);
    api = ApiServer.start(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").build(), servlets);
  }

  @AfterAll
  void stop() {
    api.close();
    issuer.close();
  }

  @BeforeEach
  void forget() {
    RAN.clear();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', textBlock = """
      GET    | /overriding/x
      HEAD   | /overriding/x
      GET    | /meta-class/x
      GET    | /meta-method/x
      HEAD   | /meta-method/x
      GET    | /service/x
      POST   | /service/x
      DELETE | /service/x
      """)
  void annotatedServlet_demandsTheScope(String method, String path) {
    HttpResponse<String> refused =
        api.send(method, path, null, "Authorization", "Bearer " + issuer.token().scope("orders:read").sign());
    assertThat(refused.statusCode()).as("%s %s with a token lacking admin", method, path).isEqualTo(403);
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        value -> assertThat(value).contains("error=\"insufficient_scope\"", "scope=\"admin\""));
    assertThat(RAN).as("no handler may run").isEmpty();

    HttpResponse<String> accepted =
        api.send(method, path, null, "Authorization", "Bearer " + issuer.token().scope("admin").sign());
    assertThat(accepted.statusCode()).isEqualTo(200);
    assertThat(RAN).hasSize(1);
  }
}
