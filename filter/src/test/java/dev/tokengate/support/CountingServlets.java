package dev.tokengate.support;

import dev.tokengate.RequiredScope;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Servlets that record every request they handle, so that a test can assert that no handler ran. The record is static
 * because a web.xml application instantiates the servlets itself (the test classpath loads them, so it is shared).
 */
public final class CountingServlets {
  /** "name path" of every request a handler ran for, in order. */
  public static final List<String> HANDLED = new CopyOnWriteArrayList<>();

  private CountingServlets() {}

  abstract static class Recording extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
      HANDLED.add(getClass().getSimpleName() + " " + path);
      response.setContentType("text/plain");
      response.getWriter().print("handler=" + getClass().getSimpleName() + " path=" + path + " caller="
          + request.getRemoteUser());
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
      doGet(request, response);
    }
  }

  /** No annotation: any valid token. */
  public static class Files extends Recording {}

  /** Mapped on the public path. */
  public static class Public extends Recording {}

  /** No annotation; a scope rule guards it. */
  public static class Admin extends Recording {}

  /** Annotated. */
  @RequiredScope("orders:read")
  public static class Orders extends Recording {}
}
