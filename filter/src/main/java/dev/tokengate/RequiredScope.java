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
 * other {@code do*} methods (applies to that method, and wins over the class). {@link TokenGateFilter} finds the target
 * servlet of each request and enforces it. The Spring adapter enforces it on controllers and handler methods, and also
 * honours it as a meta-annotation.
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
