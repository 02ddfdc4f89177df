package dev.tokengate.testing;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A mock OAuth 2.0 issuer for tests: a real HTTP server on a loopback port that serves OIDC discovery ({@code
 * /.well-known/openid-configuration}), RFC 8414 metadata ({@code /.well-known/oauth-authorization-server}) and a JWKS
 * ({@code /jwks}) with its signing key, and a {@link #token()} builder for tokens it signs. Its issuer URL is its base
 * URL, e.g. {@code http://127.0.0.1:41234}.
 *
 * <p>Start one by hand ({@link #start()}, then {@link #close()}), or let JUnit 5 start and stop it:
 *
 * <pre>{@code
 * @RegisterExtension static final TestIssuer issuer = TestIssuer.extension();   // one per test class
 * @RegisterExtension final TestIssuer issuer = TestIssuer.extension();          // one per test method
 * }</pre>
 *
 * Each issuer has its own port, keys, faults and counters, so test classes running in parallel never share one; a
 * per-class issuer is thread-safe, but its faults and key changes are seen by every test of the class (use a
 * per-test issuer for tests that break it).
 *
 * <p>Tokens start as typical client-credentials access tokens of this issuer: {@code aud} "api", {@code client_id}
 * "orders-service", {@code scope} "countries:read orders:write", five minutes of life; change the defaults with
 * {@link #builder()}.
 */
public final class TestIssuer implements AutoCloseable, BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
    AfterEachCallback {
  private final Builder settings;
  private final AtomicInteger keyCount = new AtomicInteger(1);
  private volatile JwksServer server;
  private volatile SigningKey key;
  private volatile List<SigningKey> published = List.of();
  private volatile boolean startedPerClass;

  private TestIssuer(Builder settings) {
    this.settings = settings;
    this.key = settings.key;
  }

  /**
   * Starts an issuer with a new RSA 2048 key, kid {@code key-1}.
   *
   * @return the running issuer
   */
  public static TestIssuer start() {
    return builder().start();
  }

  /**
   * Starts an issuer signing with {@code key}; token times are taken from {@code clock}.
   *
   * @param key the signing key, published in the JWKS
   * @param clock the clock tokens are issued by
   * @return the running issuer
   */
  public static TestIssuer start(SigningKey key, Clock clock) {
    return builder().key(key).clock(clock).start();
  }

  /**
   * An issuer that JUnit 5 starts and stops: register it with {@code @RegisterExtension}, in a static field for one
   * issuer per test class, in an instance field for one per test method.
   *
   * @return the issuer, not yet started
   */
  public static TestIssuer extension() {
    return builder().extension();
  }

  /**
   * Settings for an issuer: its key, clock and token defaults.
   *
   * @return a builder with the defaults described on {@link TestIssuer}
   */
  public static Builder builder() {
    return new Builder();
  }

  // ---- tokens ----

  /**
   * A typical access token of this issuer, signed with the current key, ready to be changed.
   *
   * @return the builder
   */
  public TokenBuilder token() {
    return tokenSignedWith(key);
  }

  /**
   * A typical access token of this issuer, shaped as the identity provider issues it.
   *
   * @param preset the identity provider
   * @return the builder
   */
  public TokenBuilder token(IdpPreset preset) {
    return token().shapedLike(preset);
  }

  /**
   * A token builder signing with another key, e.g. one that is not published.
   *
   * @param otherKey the key to sign with
   * @return the builder
   */
  public TokenBuilder tokenSignedWith(SigningKey otherKey) {
    requireNonNull(otherKey, "otherKey");
    Instant now = Instant.now(settings.clock);
    TokenBuilder token = TokenBuilder.typical(otherKey, running().issuer(), now)
        .audience(settings.audience)
        .clientId(settings.clientId)
        .subject(settings.clientId)
        .scope(settings.scopes.toArray(String[]::new))
        .lifetime(settings.lifetime);
    return settings.preset == null ? token : token.shapedLike(settings.preset);
  }

  // ---- keys ----

  /**
   * Rotates to a new key, keeping the old one: publishes both and signs with the new one from now on.
   *
   * @param next the new key
   * @return the previous key
   */
  public SigningKey rotate(SigningKey next) {
    requireNonNull(next, "next");
    SigningKey previous = key;
    publish(previous, next);
    key = next;
    return previous;
  }

  /**
   * Rotates to a new key of the same algorithm (kid {@code key-2}, {@code key-3}...), keeping the old one published,
   * as most issuers do: tokens signed before the rotation stay valid.
   *
   * @return the new key
   */
  public SigningKey rotate() {
    SigningKey next = sameKind(key, "key-" + keyCount.incrementAndGet());
    rotate(next);
    return next;
  }

  /**
   * Rotates to a new key and stops publishing every other key at once: tokens signed before are no longer
   * verifiable (an emergency rotation after a leak).
   *
   * @param next the new key
   * @return the previous key
   */
  public SigningKey rotateDroppingOld(SigningKey next) {
    requireNonNull(next, "next");
    SigningKey previous = key;
    publish(next);
    key = next;
    return previous;
  }

  /**
   * Rotates to a new key of the same algorithm and stops publishing the old one at once.
   *
   * @return the new key
   */
  public SigningKey rotateDroppingOld() {
    SigningKey next = sameKind(key, "key-" + keyCount.incrementAndGet());
    rotateDroppingOld(next);
    return next;
  }

  /**
   * Publishes exactly these keys (e.g. the old key only again, to undo a rotation). The signing key does not change.
   *
   * @param keys the keys
   * @return this issuer
   */
  public TestIssuer publish(SigningKey... keys) {
    running().publish(keys);
    published = List.of(keys);
    return this;
  }

  /**
   * The key tokens are signed with.
   *
   * @return the key
   */
  public SigningKey key() {
    return key;
  }

  /**
   * The keys the JWKS publishes now.
   *
   * @return the keys
   */
  public List<SigningKey> publishedKeys() {
    return published;
  }

  // ---- faults ----

  /**
   * Takes the issuer down: its port refuses connections until {@link #up()}. Keys, faults and counts are kept.
   *
   * @return this issuer
   */
  public TestIssuer down() {
    running().stop();
    return this;
  }

  /**
   * Brings the issuer up again on the same port after {@link #down()}.
   *
   * @return this issuer
   */
  public TestIssuer up() {
    running().restart();
    return this;
  }

  /**
   * Delays every JWKS answer by {@code delay} until {@link #heal()}, e.g. beyond a client's read timeout.
   *
   * @param delay the delay
   * @return this issuer
   */
  public TestIssuer slowDown(Duration delay) {
    requireNonNull(delay, "delay");
    running().jwksDelay(delay);
    return this;
  }

  /**
   * Serves a JWKS that is not valid JSON (HTTP 200, the body <code>{"keys":[</code>) until {@link #heal()}.
   *
   * @return this issuer
   */
  public TestIssuer serveMalformedJwks() {
    running().fail("/jwks", JwksServer.Fault.body(200, "application/jwk-set+json", "{\"keys\":["));
    return this;
  }

  /**
   * Answers the JWKS with this HTTP error status (e.g. 500 or 503) until {@link #heal()}.
   *
   * @param status the status
   * @return this issuer
   */
  public TestIssuer failJwks(int status) {
    running().fail("/jwks", JwksServer.Fault.status(status));
    return this;
  }

  /**
   * Ends every fault and delay set on this issuer (not {@link #down()}: see {@link #up()}).
   *
   * @return this issuer
   */
  public TestIssuer heal() {
    running().heal();
    return this;
  }

  // ---- counters and addresses ----

  /**
   * How many requests reached the JWKS, faulty answers included.
   *
   * @return the count since start or {@link #resetCounts()}
   */
  public int jwksRequests() {
    return running().jwksRequests();
  }

  /**
   * How many requests reached OIDC discovery, {@code /.well-known/openid-configuration}.
   *
   * @return the count since start or {@link #resetCounts()}
   */
  public int discoveryRequests() {
    return running().requests("/.well-known/openid-configuration");
  }

  /**
   * How many requests reached RFC 8414 metadata, {@code /.well-known/oauth-authorization-server}.
   *
   * @return the count since start or {@link #resetCounts()}
   */
  public int metadataRequests() {
    return running().requests("/.well-known/oauth-authorization-server");
  }

  /** Sets every request count to zero. */
  public void resetCounts() {
    running().resetCounts();
  }

  /**
   * The issuer URL, as tokens name it in {@code iss} and as an API is configured with ({@code issuer}).
   *
   * @return the issuer URL
   */
  public String issuer() {
    return running().issuer();
  }

  /**
   * The JWKS URL.
   *
   * @return the JWKS URL
   */
  public String jwksUri() {
    return running().jwksUri();
  }

  /**
   * The server underneath, for faults beyond this class's own (see {@link JwksServer#fail}).
   *
   * @return the server
   */
  public JwksServer server() {
    return running();
  }

  /** Stops the issuer: its port then refuses connections. Closing twice is harmless. */
  @Override
  public void close() {
    JwksServer running = server;
    server = null;
    if (running != null) {
      running.close();
    }
  }

  // ---- JUnit 5 ----

  /**
   * Starts the issuer once for the test class (when registered in a static field).
   *
   * @param context the JUnit context
   */
  @Override
  public void beforeAll(ExtensionContext context) {
    startedPerClass = true;
    startServer();
  }

  /**
   * Starts the issuer for this test, unless it runs per class.
   *
   * @param context the JUnit context
   */
  @Override
  public void beforeEach(ExtensionContext context) {
    if (!startedPerClass) {
      startServer();
    }
  }

  /**
   * Stops the issuer after this test, unless it runs per class.
   *
   * @param context the JUnit context
   */
  @Override
  public void afterEach(ExtensionContext context) {
    if (!startedPerClass) {
      close();
    }
  }

  /**
   * Stops the issuer after the test class.
   *
   * @param context the JUnit context
   */
  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public String toString() {
    JwksServer running = server;
    return "TestIssuer[" + (running == null ? "not running" : running.issuer()) + ", " + key + "]";
  }

  private synchronized void startServer() {
    if (server != null) {
      throw new IllegalStateException(this + " is already running");
    }
    key = settings.key;
    keyCount.set(1);
    server = JwksServer.start();
    publish(key);
  }

  private JwksServer running() {
    JwksServer running = server;
    if (running == null) {
      throw new IllegalStateException(
          "The test issuer is not running: register it with @RegisterExtension, or start it with TestIssuer.start()");
    }
    return running;
  }

  private static SigningKey sameKind(SigningKey key, String kid) {
    return switch (key.algorithm()) {
      case "EdDSA" -> SigningKey.ed25519(kid);
      case "ES256", "ES384", "ES512" -> SigningKey.ec(kid, key.algorithm());
      case "HS256", "HS384", "HS512" -> throw new IllegalStateException("an HMAC issuer has no JWKS to rotate");
      default -> SigningKey.rsa(kid, 2048, key.algorithm());
    };
  }

  /**
   * Settings of a {@link TestIssuer}. Each setter checks its value; {@link #start()} and {@link #extension()} can be
   * called more than once, each giving a new issuer.
   */
  public static final class Builder {
    private SigningKey key;
    private Clock clock = Clock.systemUTC();
    private String audience = "api";
    private String clientId = "orders-service";
    private List<String> scopes = List.of("countries:read", "orders:write");
    private Duration lifetime = Duration.ofMinutes(5);
    private IdpPreset preset;

    private Builder() {}

    /**
     * The signing key; a new RSA 2048 key with kid {@code key-1} by default.
     *
     * @param key the key
     * @return this builder
     */
    public Builder key(SigningKey key) {
      this.key = requireNonNull(key, "key");
      return this;
    }

    /**
     * The clock tokens are issued by ({@code iat}, {@code nbf}, {@code exp}); the system clock by default. Give a
     * {@link MutableClock} to test expiry without waiting.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The {@code aud} of tokens; {@code "api"} by default. Set it to the audience your API is configured with.
     *
     * @param audience the audience
     * @return this builder
     */
    public Builder audience(String audience) {
      this.audience = requireNonNull(audience, "audience");
      return this;
    }

    /**
     * The client id of tokens; {@code "orders-service"} by default.
     *
     * @param clientId the client id
     * @return this builder
     */
    public Builder clientId(String clientId) {
      this.clientId = requireNonNull(clientId, "clientId");
      return this;
    }

    /**
     * The scopes of tokens; {@code countries:read orders:write} by default.
     *
     * @param scopes the scopes
     * @return this builder
     */
    public Builder scopes(String... scopes) {
      this.scopes = List.of(scopes);
      return this;
    }

    /**
     * How long tokens are valid; five minutes by default.
     *
     * @param lifetime a positive duration
     * @return this builder
     */
    public Builder tokenLifetime(Duration lifetime) {
      requireNonNull(lifetime, "lifetime");
      if (lifetime.isNegative() || lifetime.isZero()) {
        throw new IllegalArgumentException("tokenLifetime must be positive, was " + lifetime);
      }
      this.lifetime = lifetime;
      return this;
    }

    /**
     * Shapes every token as this identity provider issues it (see {@link IdpPreset}); RFC 9068 by default.
     *
     * @param preset the identity provider
     * @return this builder
     */
    public Builder shapedLike(IdpPreset preset) {
      this.preset = requireNonNull(preset, "preset");
      return this;
    }

    /**
     * Starts an issuer now; close it when done.
     *
     * @return the running issuer
     */
    public TestIssuer start() {
      TestIssuer issuer = extension();
      issuer.startServer();
      return issuer;
    }

    /**
     * An issuer for {@code @RegisterExtension}, started by JUnit.
     *
     * @return the issuer, not yet started
     */
    public TestIssuer extension() {
      Builder copy = new Builder();
      copy.key = key != null ? key : SigningKey.rsa("key-1");
      copy.clock = clock;
      copy.audience = audience;
      copy.clientId = clientId;
      copy.scopes = scopes;
      copy.lifetime = lifetime;
      copy.preset = preset;
      return new TestIssuer(copy);
    }
  }
}
