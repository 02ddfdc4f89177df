package dev.tokengate;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Requires the caller's access token to carry scopes. A request lacking them is answered 403 {@code
 * insufficient_scope} with the required scopes in {@code WWW-Authenticate}, as RFC 6750 §3.1 says.
 *
 * <p>On a servlet, put it on the class (applies to every HTTP method) or on {@code doGet}, {@code doPost} and the
 * other {@code do*} methods (applies to that method, and wins over the class). An override without it keeps the
 * requirement of the method it overrides; on {@code service()} it holds for every method, on top of the handler's; it
 * works as a meta-annotation (a user's {@code @AdminOnly}) as well. {@link TokenGateFilter} finds the target servlet of
 * each request and enforces it, also when a public path covers the servlet, and fails start-up if the servlet can be
 * reached on a path the filter is not mapped to. The Spring adapter enforces it on controllers and handler methods, and
 * also honours it as a meta-annotation.
 *
 * <pre>{@code
 * @RequiredScope("countries:read")
 * public class CountriesServlet extends HttpServlet {
 *   @Override
 *   @RequiredScope({"countries:write", "audit"})
 *   protected void doPost(HttpServletRequest request, HttpServletResponse response) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
public @interface RequiredScope {
  /** The scopes, e.g. {@code "countries:read"}. */
  String[] value();

  /** Whether the token needs all of the scopes (the default) or any one of them. */
  Mode mode() default Mode.ALL;

  /** How several scopes combine. */
  enum Mode {
    /** Every listed scope is required. */
    ALL,
    /** At least one of the listed scopes is required. */
    ANY
  }
}
