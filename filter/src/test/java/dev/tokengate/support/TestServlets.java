package dev.tokengate.support;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.RequiredScope;
import dev.tokengate.TokenGateFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.TreeSet;

/** Servlets that show what the filter hands downstream, some carrying {@link RequiredScope}. */
public final class TestServlets {
  private TestServlets() {}

  /** Answers with what the request says about its caller, one fact per line. */
  public static class WhoAmI extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      describe(request, response);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
      describe(request, response);
    }
  }

  /** No annotation: a public health check when configured as such. */
  public static class Health extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("text/plain");
      response.getWriter().print("UP principal=" + request.getUserPrincipal());
    }
  }

  /** Class-level scope. */
  @RequiredScope("countries:read")
  public static class Countries extends WhoAmI {}

  /** Method-level scope on POST wins over the class; GET falls back to the class. */
  @RequiredScope("orders:read")
  public static class Orders extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      describe(request, response);
    }

    @Override
    @RequiredScope({"orders:write", "audit"})
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
      describe(request, response);
    }
  }

  /** Any-of mode. */
  @RequiredScope(value = {"reports:read", "admin"}, mode = RequiredScope.Mode.ANY)
  public static class Reports extends WhoAmI {}

  static void describe(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ClientPrincipal principal = (ClientPrincipal) request.getUserPrincipal();
    response.setContentType("text/plain");
    var out = response.getWriter();
    out.println("name=" + principal.getName());
    out.println("remoteUser=" + request.getRemoteUser());
    out.println("authType=" + request.getAuthType());
    out.println("scopes=" + new TreeSet<>(principal.scopes()));
    out.println("audiences=" + new TreeSet<>(principal.audiences()));
    out.println("subject=" + principal.subject().orElse("-"));
    out.println("inRole(countries:read)=" + request.isUserInRole("countries:read"));
    out.println("inRole(admin)=" + request.isUserInRole("admin"));
    out.println("attribute=" + TokenGateFilter.principal(request).map(ClientPrincipal::clientId).orElse("-"));
    out.println("toString=" + principal);
  }
}
