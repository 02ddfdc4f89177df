package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code dpop-replay-store} and its stores' dotted settings as web.xml init-params: a provider found on the class path
 * makes the store from its settings and the validator closes it; a store named without its module on the class path,
 * a setting no store reads, and settings that contradict each other fail naming the setting and the fix. This module's
 * tests have no tokengate-redis: {@code redis} is the missing module here.
 */
class DpopReplayStoreSettingTest {
  private static TokenGateConfig read(String... pairs) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("issuer", "https://a.example");
    settings.put("audiences", "api");
    settings.put("dpop-mode", "required");
    for (int i = 0; i < pairs.length; i += 2) {
      settings.put(pairs[i], pairs[i + 1]);
    }
    return TokenGateConfig.fromSettings(settings);
  }

  @BeforeEach
  void clear() {
    RecordingReplayStoreProvider.MADE.clear();
  }

  @Test
  void namedProvider_makesTheStoreFromItsSettings_andTheValidatorClosesIt() {
    TokenGateConfig config = read("dpop-replay-store", " Recording ", "recording.label", " fleet-a ");
    assertThat(RecordingReplayStoreProvider.MADE).hasSize(1);
    RecordingReplayStoreProvider.Store store = RecordingReplayStoreProvider.MADE.get(0);
    assertThat(config.dpopReplayStore()).containsSame(store);
    assertThat(store.settings).isEqualTo(Map.of("recording.label", "fleet-a"));
    assertThat(config.toString()).contains("dpop-replay-store=recording");
    TokenValidator validator = TokenValidator.create(config);
    assertThat(store.closed).isZero();
    validator.close();
    validator.close();
    assertThat(store.closed).as("closed once, with the validator").isEqualTo(1);
  }

  @Test
  void storeSetAsAnObject_isNotClosedByTheValidator() {
    RecordingReplayStoreProvider.Store own = new RecordingReplayStoreProvider.Store(Map.of());
    TokenGateConfig config = TokenGateConfig.builder().issuer("https://a.example").audiences("api")
        .dpopMode(DpopMode.REQUIRED).dpopReplayStore(own).build();
    TokenValidator.create(config).close();
    assertThat(own.closed).isZero();
    assertThat(config.toString()).contains("dpop-replay-store=(custom)");
  }

  @Test
  void inProcess_isTheDefault_andMayBeNamed() {
    assertThat(read().toString()).contains("dpop-replay-store=in-process");
    TokenGateConfig named = read("dpop-replay-store", "in-process", "dpop-replay-cache-size", "10");
    assertThat(named.dpopReplayStore()).isPresent();
    assertThat(named.toString()).contains("dpop-replay-store=in-process");
    assertThat(RecordingReplayStoreProvider.MADE).isEmpty();
  }

  @Test
  void redis_withoutTokengateRedisOnTheClassPath_failsNamingTheDependency() {
    assertThatThrownBy(() -> read("dpop-replay-store", "redis", "redis.uri", "redis://127.0.0.1:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Setting 'dpop-replay-store' is 'redis', but no DPoP replay store of that name is on the class"
            + " path (found [in-process, recording]): add the dependency dev.tokengate:tokengate-redis, or remove"
            + " the setting to keep the in-process store");
  }

  @Test
  void unknownStoreName_fails() {
    assertThatThrownBy(() -> read("dpop-replay-store", "memcached"))
        .hasMessage("Setting 'dpop-replay-store' is 'memcached', but no DPoP replay store of that name is on the"
            + " class path (found [in-process, recording]): add the module that provides it, or correct the name,"
            + " or remove the setting to keep the in-process store");
  }

  @Test
  void storeSetting_withoutItsStoreNamed_fails() {
    assertThatThrownBy(() -> read("redis.uri", "redis://127.0.0.1:6379"))
        .hasMessage("Setting 'redis.uri' is set but 'dpop-replay-store' is in-process, which reads no settings: set"
            + " 'dpop-replay-store' to redis, or remove 'redis.uri'");
    assertThatThrownBy(() -> read("dpop-replay-store", "recording", "redis.uri", "redis://127.0.0.1:6379"))
        .hasMessage("Unknown setting 'redis.uri'; the recording DPoP replay store reads [recording.fail,"
            + " recording.label]");
    assertThat(RecordingReplayStoreProvider.MADE).isEmpty();
  }

  @Test
  void providersOwnMessage_namesItsSetting() {
    assertThatThrownBy(() -> read("dpop-replay-store", "recording", "recording.fail", "yes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Setting 'recording.fail' fails, as asked");
  }

  @Test
  void storeNamed_withoutAnyIssuerUsingDpop_fails() {
    assertThatThrownBy(() -> TokenGateConfig.fromSettings(Map.of("issuer", "https://a.example", "audiences", "api",
        "dpop-replay-store", "recording")))
        .hasMessage("Setting 'dpop-replay-store' is set but no issuer uses DPoP: set 'dpop-mode' (or"
            + " 'issuers[N].dpop-mode') to allowed or required, or remove 'dpop-replay-store'");
    assertThat(RecordingReplayStoreProvider.MADE).as("nothing made for a refused configuration").isEmpty();
  }

  @Test
  void cacheSize_withAnotherStore_fails() {
    assertThatThrownBy(() -> read("dpop-replay-store", "recording", "dpop-replay-cache-size", "10"))
        .hasMessage("Setting 'dpop-replay-cache-size' sizes the in-process replay store, but 'dpop-replay-store' is"
            + " recording: remove 'dpop-replay-cache-size'");
  }

  @Test
  void namedStore_andAStoreObject_fail() {
    TokenGateConfig.Builder builder = TokenGateConfig.builder().issuer("https://a.example").audiences("api")
        .dpopMode(DpopMode.REQUIRED).dpopReplayStore((id, lifetime) -> true)
        .dpopReplayStore("recording", Map.of());
    assertThatThrownBy(builder::build)
        .hasMessage("Setting 'dpop-replay-store' is recording but a DpopReplayStore is set too (with the Spring Boot"
            + " starter: a DpopReplayStore bean): keep one");
  }

  @Test
  void filterThatRefusesToStart_closesTheStoreItMadeFromInitParams() throws Exception {
    // Mapped to /api/* with no request firewall on /*: the filter refuses to start (see NarrowMappingTest), after it
    // read its init-params and so made the store. That store must not be left open.
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/app");
    FilterHolder filter = new FilterHolder(TokenGateFilter.class);
    filter.setName("tokengate");
    filter.setInitParameter("issuer", "https://a.example");
    filter.setInitParameter("audiences", "api");
    filter.setInitParameter("dpop-mode", "required");
    filter.setInitParameter("dpop-replay-store", "recording");
    context.addFilter(filter, "/api/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(new HttpServlet() {}), "/api/*");
    server.setHandler(context);
    try {
      assertThatThrownBy(server::start).hasStackTraceContaining("not to /*, and no dev.tokengate.RequestFirewallFilter");
    } finally {
      server.stop();
    }
    assertThat(RecordingReplayStoreProvider.MADE).singleElement()
        .satisfies(store -> assertThat(store.closed).as("closed by the refused start").isEqualTo(1));
  }

  @Test
  void storeMadeByProvider_answersReplays() {
    TokenGateConfig config = read("dpop-replay-store", "recording");
    assertThat(config.dpopReplayStore().orElseThrow().firstUse("a", Duration.ofSeconds(1))).isTrue();
    assertThat(config.dpopReplayStore().orElseThrow().firstUse("a", Duration.ofSeconds(1))).isFalse();
  }
}
