package dev.tokengate.internal.token;

import dev.tokengate.ClientPrincipal;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Makes {@link ClientPrincipal}s whose claims are read on demand, through a constructor that is not public API.
 *
 * <p>{@code ClientPrincipal}'s public constructor deep-copies every claim at once: about 4.5 KB for a typical
 * client-credentials token, per principal. The validator instead hands the principal a source of the claims (the
 * payload it already parsed, or on a cache hit the request's own token, parsed again by the same Nimbus parser), and
 * the copy is made only if application code asks for {@code claims()}. {@code ClientPrincipal} installs its private
 * constructor here when its class initializes (the JDK's "shared secrets" pattern), so the factory stays out of the
 * public API.
 */
public final class Principals {
  /** {@code ClientPrincipal}'s private constructor. */
  @FunctionalInterface
  public interface Factory {
    ClientPrincipal create(String clientId, String subject, String issuer, Set<String> audiences, Set<String> scopes,
        Instant expiresAt, Supplier<Map<String, Object>> claims, String certificateThumbprint);
  }

  private static volatile Factory factory;
  private static volatile Function<ClientPrincipal, String> certificateThumbprints;

  private Principals() {}

  /** Called once, by {@code ClientPrincipal}'s static initializer; a second call is refused. */
  public static synchronized void install(Factory constructor, Function<ClientPrincipal, String> thumbprints) {
    if (factory != null) {
      throw new IllegalStateException("the ClientPrincipal factory is installed already");
    }
    certificateThumbprints = thumbprints;
    factory = constructor;
  }

  /**
   * The {@code cnf.x5t#S256} of the principal's token (RFC 8705 §3.1), {@code null} when the token is not
   * certificate-bound; read from a field, never from the claims.
   */
  public static String certificateThumbprint(ClientPrincipal principal) {
    if (certificateThumbprints == null) {
      initialize();
    }
    return certificateThumbprints.apply(principal);
  }

  /**
   * A principal with immutable {@code audiences} and {@code scopes} (kept, not copied), claims read on demand, and the
   * token's certificate binding ({@code null}: none).
   */
  static ClientPrincipal create(String clientId, String subject, String issuer, Set<String> audiences,
      Set<String> scopes, Instant expiresAt, Supplier<Map<String, Object>> claims, String certificateThumbprint) {
    Factory constructor = factory;
    if (constructor == null) {
      initialize();
      constructor = factory;
    }
    return constructor.create(clientId, subject, issuer, audiences, scopes, expiresAt, claims, certificateThumbprint);
  }

  private static void initialize() {
    try {
      Class.forName(ClientPrincipal.class.getName(), true, ClientPrincipal.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
