package dev.tokengate.testing;

import java.time.Clock;
import java.time.Instant;

/**
 * A token issuer for tests: a {@link JwksServer} publishing a signing key, and a {@link #token()} builder that starts
 * from a typical client-credentials access token of that issuer ({@code aud} "api", {@code client_id}
 * "orders-service", {@code scope} "countries:read orders:write", five minutes of life).
 */
public final class TestIssuer implements AutoCloseable {
  private final JwksServer server;
  private final Clock clock;
  private volatile SigningKey key;

  private TestIssuer(JwksServer server, SigningKey key, Clock clock) {
    this.server = server;
    this.key = key;
    this.clock = clock;
    server.publish(key);
  }

  /** Starts an issuer with a new RSA 2048 key, kid {@code key-1}. */
  public static TestIssuer start() {
    return start(SigningKey.rsa("key-1"), Clock.systemUTC());
  }

  /** Starts an issuer signing with {@code key}; token times are taken from {@code clock}. */
  public static TestIssuer start(SigningKey key, Clock clock) {
    return new TestIssuer(JwksServer.start(), key, clock);
  }

  /** A typical access token of this issuer, signed with the current key, ready to be changed. */
  public TokenBuilder token() {
    return TokenBuilder.typical(key, server.issuer(), Instant.now(clock));
  }

  /** A token builder signing with another key, e.g. one that is not published. */
  public TokenBuilder tokenSignedWith(SigningKey otherKey) {
    return TokenBuilder.typical(otherKey, server.issuer(), Instant.now(clock));
  }

  /** Rotates to a new key: publishes both the old and the new key and signs with the new one from now on. */
  public SigningKey rotate(SigningKey next) {
    SigningKey previous = key;
    server.publish(previous, next);
    key = next;
    return previous;
  }

  public SigningKey key() {
    return key;
  }

  public String issuer() {
    return server.issuer();
  }

  public JwksServer server() {
    return server;
  }

  @Override
  public void close() {
    server.close();
  }
}
