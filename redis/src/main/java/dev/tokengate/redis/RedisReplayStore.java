package dev.tokengate.redis;

import static java.util.Objects.requireNonNull;

import dev.tokengate.spi.DpopReplayStore;
import dev.tokengate.spi.ReplayStoreUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DpopReplayStore} in Redis, shared by every instance of an application, so that a DPoP proof replayed
 * against another instance is refused too (RFC 9449 §11.1). Each first use is one atomic {@code SET key 1 NX PX
 * lifetime}: of any number of instances seeing one proof at once, exactly one is told it is new, and Redis forgets
 * the key when the proof would be too old anyway.
 *
 * <pre>{@code
 * RedisReplayStore replayStore = RedisReplayStore.builder(URI.create("redis://redis.internal:6379")).build();
 * TokenGateConfig config = TokenGateConfig.builder()
 *     .issuer("https://login.example.com").audiences("orders-api")
 *     .dpopMode(DpopMode.REQUIRED)
 *     .dpopReplayStore(replayStore)
 *     .build();
 * }</pre>
 *
 * <p>Or without code, in {@code web.xml} init-params or Spring Boot properties: {@code dpop-replay-store=redis} and
 * {@code redis.uri=redis://redis.internal:6379} ({@code tokengate.dpop-replay-store}, {@code tokengate.redis.uri});
 * see {@link RedisReplayStoreProvider}.
 *
 * <p><b>When Redis cannot be reached</b> (down, unreachable, slower than {@link Builder#commandTimeout}), every DPoP
 * request is refused with 503 and {@code Retry-After} ({@link ReplayStoreUnavailableException}), and the failure is
 * logged. It fails closed on purpose, with no setting to accept proofs unchecked or to fall back to a per-instance
 * store: either would accept, during the outage, exactly the replay against another instance this store exists to
 * refuse. Bearer requests, and the token checks, do not use Redis and go on.
 *
 * <p>Connects on first use (an application starts while Redis is down, and its DPoP requests are answered 503 until
 * Redis is back) and reconnects by itself. Thread-safe; {@link #close()} it on shutdown. Keys are {@code
 * tokengate:dpop:} (or {@link Builder#keyPrefix}) followed by a 43-character hash, never a proof or token.
 *
 * @since 0.1.0
 */
public final class RedisReplayStore implements DpopReplayStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisReplayStore.class);

  private final RedisClient client;
  private final String keyPrefix;
  private final Duration retryAfter;
  private final Object connecting = new Object();
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile boolean closed;
  private volatile boolean failing;

  private RedisReplayStore(Builder builder) {
    RedisURI uri = RedisURI.create(builder.uri);
    uri.setTimeout(builder.commandTimeout);
    this.client = RedisClient.create(uri);
    // While disconnected, commands fail at once rather than queue: a request waits at most the command timeout.
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(builder.commandTimeout))
        .build());
    this.keyPrefix = builder.keyPrefix;
    this.retryAfter = builder.retryAfter;
  }

  /** Starts a store for the Redis at {@code uri}, e.g. {@code redis://redis.internal:6379} or {@code rediss://...}. */
  public static Builder builder(java.net.URI uri) {
    return new Builder(requireNonNull(uri, "uri"));
  }

  /**
   * {@inheritDoc}
   *
   * @throws ReplayStoreUnavailableException when Redis cannot be reached or does not answer in time
   */
  @Override
  public boolean firstUse(String proofId, Duration lifetime) {
    requireNonNull(proofId, "proofId");
    long millis = Math.max(1000, lifetime.toMillis());
    try {
      String reply = connection().sync().set(keyPrefix + proofId, "1", SetArgs.Builder.nx().px(millis));
      if (failing) {
        failing = false;
        log.info("Redis DPoP replay store reachable again; DPoP requests are checked again");
      }
      return "OK".equals(reply);
    } catch (RedisException | IllegalStateException e) {
      if (!failing) {
        failing = true;
        log.warn("Redis DPoP replay store unreachable: DPoP requests are answered 503 until it is back ({})",
            e.toString());
      }
      throw new ReplayStoreUnavailableException("Redis DPoP replay store unavailable: " + e, retryAfter, e);
    }
  }

  private StatefulRedisConnection<String, String> connection() {
    StatefulRedisConnection<String, String> current = connection;
    if (current != null) {
      return current;
    }
    synchronized (connecting) {
      if (closed) {
        throw new IllegalStateException("The Redis DPoP replay store is closed");
      }
      if (connection == null) {
        connection = client.connect();
      }
      return connection;
    }
  }

  /** Closes the connection and the client's threads. */
  @Override
  public void close() {
    synchronized (connecting) {
      closed = true;
      if (connection != null) {
        connection.close();
      }
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  /** The settings of a {@link RedisReplayStore}; each setter checks its value. */
  public static final class Builder {
    private final String uri;
    private String keyPrefix = "tokengate:dpop:";
    private Duration commandTimeout = Duration.ofMillis(500);
    private Duration retryAfter = Duration.ofSeconds(1);

    private Builder(java.net.URI uri) {
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("redis") || scheme.equals("rediss") || scheme.equals("redis-socket"))) {
        throw new IllegalArgumentException(
            "The Redis URI must start with redis://, rediss:// or redis-socket://, was '" + uri.getScheme() + "://…'");
      }
      this.uri = uri.toString();
    }

    /** Put in front of every key; default {@code tokengate:dpop:}. Give each application its own. */
    public Builder keyPrefix(String prefix) {
      requireNonNull(prefix, "keyPrefix");
      if (prefix.isEmpty() || prefix.length() > 100) {
        throw new IllegalArgumentException("keyPrefix must have 1 to 100 characters, was '" + prefix + "'");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * How long a request waits for Redis, 10 ms to 10 s; default 500 ms. Beyond it the request is answered 503: a
     * slow Redis must not hold every DPoP request.
     */
    public Builder commandTimeout(Duration timeout) {
      requireNonNull(timeout, "commandTimeout");
      if (timeout.compareTo(Duration.ofMillis(10)) < 0 || timeout.compareTo(Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException("commandTimeout must be between 10ms and 10s, was " + timeout);
      }
      this.commandTimeout = timeout;
      return this;
    }

    /** The {@code Retry-After} of the 503 while Redis is unreachable, 1 s to 1 h; default 1 s. */
    public Builder retryAfter(Duration retryAfter) {
      requireNonNull(retryAfter, "retryAfter");
      if (retryAfter.compareTo(Duration.ofSeconds(1)) < 0 || retryAfter.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("retryAfter must be between 1s and 1h, was " + retryAfter);
      }
      this.retryAfter = retryAfter;
      return this;
    }

    /** The store; it connects on first use. */
    public RedisReplayStore build() {
      return new RedisReplayStore(this);
    }
  }
}
