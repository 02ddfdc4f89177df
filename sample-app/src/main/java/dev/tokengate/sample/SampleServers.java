package dev.tokengate.sample;

import static java.util.Objects.requireNonNull;

import dev.tokengate.sample.api.ApiApplication;
import dev.tokengate.sample.issuer.IssuerApplication;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The demo's two servers in one JVM: the authorization server and the protected API, each its own Spring
 * application context on its own loopback port. The issuer starts first, because the API reads the issuer's
 * discovery document.
 */
public final class SampleServers implements AutoCloseable {
  /** The {@code aud} the issuer puts in tokens and the API requires. */
  public static final String AUDIENCE = "sample-api";

  private final ConfigurableApplicationContext issuer;
  private final ConfigurableApplicationContext api;
  private final URI issuerUri;
  private final URI apiUri;

  private SampleServers(ConfigurableApplicationContext issuer, URI issuerUri, ConfigurableApplicationContext api,
      URI apiUri) {
    this.issuer = issuer;
    this.issuerUri = issuerUri;
    this.api = api;
    this.apiUri = apiUri;
  }

  /** Starts both servers. */
  public static SampleServers start(Options options) {
    return start(options, Map.of());
  }

  /** Starts both servers, the API with these properties added (e.g. {@code tokengate.introspection-cache-max-ttl}). */
  public static SampleServers start(Options options, Map<String, Object> extraApiProperties) {
    ConfigurableApplicationContext issuer = startIssuer(options);
    try {
      URI issuerUri = loopback(port(issuer));
      Map<String, Object> apiProperties = common("api", options.apiPort());
      apiProperties.put("tokengate.issuer", issuerUri.toString());
      apiProperties.putAll(extraApiProperties);
      ConfigurableApplicationContext api = new SpringApplicationBuilder(ApiApplication.class)
          .properties(apiProperties)
          .logStartupInfo(false)
          .run();
      return new SampleServers(issuer, issuerUri, api, loopback(port(api)));
    } catch (RuntimeException e) {
      issuer.close();
      throw e;
    }
  }

  /**
   * Starts the authorization server alone (the API's port in {@code options} is not used), for an API in a JVM of
   * its own; its URL is {@code http://127.0.0.1:<port>}, with the port of {@link #port}.
   */
  public static ConfigurableApplicationContext startIssuer(Options options) {
    requireNonNull(options, "options");
    Map<String, Object> issuerProperties = common("issuer", options.issuerPort());
    issuerProperties.put("sample.audience", AUDIENCE);
    issuerProperties.put("sample.token-ttl", options.tokenTtl().toString());
    if (options.issuerPort() != 0) {
      issuerProperties.put("sample.issuer-uri", loopback(options.issuerPort()).toString());
    }
    // With port 0 the issuer's URL is unknown until it listens: it then takes each token's iss from the request
    // URL, which is http://127.0.0.1:<port> for every caller of this class.
    return new SpringApplicationBuilder(IssuerApplication.class)
        .properties(issuerProperties)
        .initializers(context -> context.getBeanFactory().registerSingleton("issuerClock", options.issuerClock()))
        .logStartupInfo(false)
        .run();
  }

  public URI issuerUri() {
    return issuerUri;
  }

  public URI tokenEndpoint() {
    return issuerUri.resolve("/oauth2/token");
  }

  public URI apiUri() {
    return apiUri;
  }

  @Override
  public void close() {
    try {
      api.close();
    } finally {
      issuer.close();
    }
  }

  private static Map<String, Object> common(String name, int port) {
    Map<String, Object> properties = new HashMap<>();
    // Each context reads its own <name>.properties; nothing is shared between issuer and API.
    properties.put("spring.config.name", name);
    properties.put("server.port", port);
    properties.put("server.address", "127.0.0.1");
    properties.put("spring.main.banner-mode", Banner.Mode.OFF.name());
    // The demo's output is the conversation between client and API; Spring's start-up chatter would drown it.
    properties.put("logging.level.root", "WARN");
    properties.put("logging.level.dev.tokengate", "INFO");
    return properties;
  }

  /** The port a started server listens on. */
  public static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private static URI loopback(int port) {
    return URI.create("http://127.0.0.1:" + port);
  }

  /**
   * How to start.
   *
   * @param issuerPort 0 for any free port
   * @param apiPort 0 for any free port
   * @param tokenTtl the lifetime of issued access tokens
   * @param issuerClock the issuer's clock, which stamps iat and exp; a test skews it to issue a token the API
   *     rejects
   */
  public record Options(int issuerPort, int apiPort, Duration tokenTtl, Clock issuerClock) {
    public Options {
      if (issuerPort < 0 || issuerPort > 65535) {
        throw new IllegalArgumentException("issuer port must be between 0 and 65535, was " + issuerPort);
      }
      if (apiPort < 0 || apiPort > 65535) {
        throw new IllegalArgumentException("API port must be between 0 and 65535, was " + apiPort);
      }
      if (tokenTtl.compareTo(Duration.ofSeconds(10)) < 0) {
        throw new IllegalArgumentException("token lifetime must be at least 10s, was " + tokenTtl);
      }
      requireNonNull(issuerClock, "issuerClock");
    }
  }
}
