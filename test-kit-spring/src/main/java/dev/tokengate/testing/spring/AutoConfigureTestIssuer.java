package dev.tokengate.testing.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Starts a {@link dev.tokengate.testing.TestIssuer} for the test's Spring application context, points {@code
 * tokengate.issuer} at it, and makes it a bean to {@code @Autowired} into the test:
 *
 * <pre>{@code
 * @SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
 * @AutoConfigureTestIssuer
 * class OrdersApiTest {
 *   @Autowired TestIssuer issuer;
 *   ...
 * }
 * }</pre>
 *
 * <p>No {@code @DynamicPropertySource} is needed. The application's own {@code tokengate.*} settings apply, except
 * {@code tokengate.issuer} (and {@code tokengate.jwks-uri}, when set), which name the test issuer. Its tokens carry the
 * first of the application's {@code tokengate.audiences} unless {@link #audience()} says otherwise.
 *
 * <p>The issuer lives as long as the context: Spring shares a cached context, and so its issuer, between test classes
 * with the same configuration. Tests that break the issuer ({@code down()}, faults, rotations) should undo it or mark
 * the context dirty ({@code @DirtiesContext}). Works on nested test classes too.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
public @interface AutoConfigureTestIssuer {
  /**
   * The {@code aud} of the issuer's tokens; empty (the default) for the first of {@code tokengate.audiences}.
   *
   * @return the audience, or empty
   */
  String audience() default "";

  /**
   * The client id of the issuer's tokens.
   *
   * @return the client id
   */
  String clientId() default "orders-service";

  /**
   * The scopes of the issuer's tokens.
   *
   * @return the scopes
   */
  String[] scopes() default {"countries:read", "orders:write"};
}
