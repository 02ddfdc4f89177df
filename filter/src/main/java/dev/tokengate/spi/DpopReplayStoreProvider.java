package dev.tokengate.spi;

import java.util.Map;
import java.util.Set;

/**
 * Makes a {@link DpopReplayStore} from settings, so that a store can be chosen by configuration alone: the setting
 * {@code dpop-replay-store} (a {@code web.xml} init-param, or the Spring Boot property {@code
 * tokengate.dpop-replay-store}) names a provider, and the provider reads its own settings, each named {@code
 * <name>.<setting>}. {@code tokengate-redis} provides {@code redis}: {@code dpop-replay-store=redis} with {@code
 * redis.uri=redis://redis.internal:6379}.
 *
 * <p>Providers are found with {@link java.util.ServiceLoader}: list the implementation in {@code
 * META-INF/services/dev.tokengate.spi.DpopReplayStoreProvider} (or {@code provides} it in a {@code module-info}). The
 * store a provider makes belongs to the {@link dev.tokengate.TokenValidator} of the configuration: when it is {@link
 * AutoCloseable}, closing the validator (the filter's {@code destroy()}, the Spring context's shutdown) closes it.
 *
 * @since 0.1.0
 */
public interface DpopReplayStoreProvider {
  /**
   * The value of {@code dpop-replay-store} that selects this provider, e.g. {@code redis}: lower-case letters, digits
   * and dashes. Also the prefix of its settings.
   */
  String name();

  /**
   * Every setting this provider reads, each {@link #name()} followed by a dot, e.g. {@code redis.uri}. A setting
   * with this prefix that is not listed fails start-up as unknown.
   */
  Set<String> settingNames();

  /**
   * Makes the store. Called once per configuration, after every other setting was checked; the store should connect
   * lazily, so that an application starts while its server is down (and answers DPoP requests 503 until it is back).
   *
   * @param settings the settings among {@link #settingNames()} that are set (never blank), by name
   * @throws IllegalArgumentException when a setting is missing or invalid: the message starts with {@code Setting
   *     '<name>'} and says how to fix it, so that start-up fails naming it
   */
  DpopReplayStore create(Map<String, String> settings);
}
