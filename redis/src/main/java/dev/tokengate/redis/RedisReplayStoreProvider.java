package dev.tokengate.redis;

import dev.tokengate.spi.DpopReplayStore;
import dev.tokengate.spi.DpopReplayStoreProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a {@link RedisReplayStore} from settings, so that a fleet shares its replay store by configuration alone: in
 * {@code web.xml}, the init-params {@code dpop-replay-store=redis} and {@code redis.uri=redis://redis.internal:6379};
 * with the Spring Boot starter, {@code tokengate.dpop-replay-store=redis} and {@code tokengate.redis.uri=...}. Found
 * by {@link java.util.ServiceLoader} when {@code tokengate-redis} is on the class path.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code redis.uri}</td><td>required</td><td>{@code redis://host:port}, {@code rediss://} (TLS), {@code
 *       redis-socket://path}; user, password and database as Lettuce reads them</td></tr>
 *   <tr><td>{@code redis.key-prefix}</td><td>{@code tokengate:dpop:}</td><td>see {@link
 *       RedisReplayStore.Builder#keyPrefix}</td></tr>
 *   <tr><td>{@code redis.command-timeout}</td><td>500ms</td><td>see {@link
 *       RedisReplayStore.Builder#commandTimeout}</td></tr>
 *   <tr><td>{@code redis.retry-after}</td><td>1s</td><td>the {@code Retry-After} of the 503 while Redis cannot be
 *       reached; see {@link RedisReplayStore.Builder#retryAfter}</td></tr>
 * </table>
 *
 * <p>While Redis cannot be reached every DPoP request is refused with 503: there is no setting to accept proofs
 * unchecked, see {@link RedisReplayStore}.
 *
 * @since 0.1.0
 */
public final class RedisReplayStoreProvider implements DpopReplayStoreProvider {
  static final String REDIS_URI = "redis.uri";
  static final String KEY_PREFIX = "redis.key-prefix";
  static final String COMMAND_TIMEOUT = "redis.command-timeout";
  static final String RETRY_AFTER = "redis.retry-after";
  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  /** For {@link java.util.ServiceLoader}. */
  public RedisReplayStoreProvider() {}

  /** {@code redis}. */
  @Override
  public String name() {
    return "redis";
  }

  @Override
  public Set<String> settingNames() {
    return Set.of(REDIS_URI, KEY_PREFIX, COMMAND_TIMEOUT, RETRY_AFTER);
  }

  @Override
  public DpopReplayStore create(Map<String, String> settings) {
    String uriText = settings.get(REDIS_URI);
    if (uriText == null || uriText.isBlank()) {
      throw new IllegalArgumentException("Setting '" + REDIS_URI + "' is required when 'dpop-replay-store' is redis: set"
          + " it to the Redis every instance shares, e.g. redis://redis.internal:6379");
    }
    RedisReplayStore.Builder builder = builder(uriText);
    String keyPrefix = settings.get(KEY_PREFIX);
    if (keyPrefix != null) {
      named(KEY_PREFIX, () -> builder.keyPrefix(keyPrefix));
    }
    String commandTimeout = settings.get(COMMAND_TIMEOUT);
    if (commandTimeout != null) {
      named(COMMAND_TIMEOUT, () -> builder.commandTimeout(duration(COMMAND_TIMEOUT, commandTimeout)));
    }
    String retryAfter = settings.get(RETRY_AFTER);
    if (retryAfter != null) {
      named(RETRY_AFTER, () -> builder.retryAfter(duration(RETRY_AFTER, retryAfter)));
    }
    return builder.build();
  }

  private static RedisReplayStore.Builder builder(String uriText) {
    try {
      URI uri = new URI(uriText.strip());
      if (uri.getScheme() != null && !uri.getScheme().equals("redis-socket")
          && (uri.getHost() == null || uri.getHost().isEmpty())) {
        throw new IllegalArgumentException("no host");
      }
      return RedisReplayStore.builder(uri);
    } catch (URISyntaxException | IllegalArgumentException e) {
      // The value may hold a password: it is not repeated.
      throw new IllegalArgumentException("Setting '" + REDIS_URI + "' must be a Redis URI such as"
          + " redis://redis.internal:6379, rediss://user:password@redis.internal:6380/0 or"
          + " redis-socket:///run/redis.sock; the value set is not one", e);
    }
  }

  /** The builder's messages name its methods ("commandTimeout must be ..."); start-up names the setting. */
  private static void named(String setting, Runnable apply) {
    try {
      apply.run();
    } catch (IllegalArgumentException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      throw message.startsWith("Setting '") ? e
          : new IllegalArgumentException("Setting '" + setting + "': " + message, e);
    }
  }

  /** {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h} or ISO-8601 {@code PT0.5S}, as the filter's settings read. */
  private static Duration duration(String setting, String value) {
    String text = value.strip().toLowerCase(Locale.ROOT);
    Matcher matcher = SHORT_DURATION.matcher(text);
    if (matcher.matches()) {
      long amount = Long.parseLong(matcher.group(1));
      return switch (matcher.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        default -> Duration.ofHours(amount);
      };
    }
    try {
      return Duration.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("Setting '" + setting + "' must be a duration such as 500ms, 2s or PT2S,"
          + " was '" + value + "'", e);
    }
  }
}
