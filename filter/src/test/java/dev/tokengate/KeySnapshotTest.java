package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The last-good key snapshot ({@code jwks-snapshot-directory}): an instance restarted while its key server is down
 * still checks tokens with the keys saved by its predecessor, within {@code jwks-max-staleness} of their fetch, never
 * in preference to a live fetch, and a corrupt or foreign snapshot is ignored with a warning.
 */
class KeySnapshotTest {
  private static final SigningKey KEY_1 = SigningKey.rsa("key-1");
  private static final SigningKey KEY_2 = SigningKey.rsa("key-2");

  @TempDir Path snapshots;
  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private final List<ch.qos.logback.classic.Logger> loggers = Stream.of(
          "dev.tokengate.internal.jwks.IssuerKeys", "dev.tokengate.internal.jwks.KeySnapshots")
      .map(name -> (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name)).toList();

  @BeforeEach
  void start() {
    issuer = TestIssuer.start(KEY_1, clock);
    events.start();
    loggers.forEach(logger -> logger.addAppender(events));
  }

  @AfterEach
  void stop() {
    loggers.forEach(logger -> logger.detachAppender(events));
    issuer.close();
  }

  private TokenGateConfig.Builder config() {
    return TokenGateConfig.builder().issuer(issuer.issuer()).jwksUri(URI.create(issuer.server().jwksUri()))
        .audiences("api").clock(clock).jwksSnapshotDirectory(snapshots);
  }

  private List<String> warnings() {
    return events.list.stream().filter(event -> event.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** Runs a first instance until it fetched the keys (and so saved them), then shuts it down. */
  private void firstInstanceRanAndStopped() throws Exception {
    try (TokenValidator first = TokenValidator.create(config().build())) {
      Poll.until("keys loaded", () -> first.health().get(0).keysLoaded() == 1);
      assertThat(first.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
    }
    try (Stream<Path> files = Files.list(snapshots)) {
      assertThat(files.map(file -> file.getFileName().toString()).toList())
          .singleElement().satisfies(name -> assertThat(name).startsWith("jwks-").endsWith(".json"));
    }
  }

  @Test
  void restartDuringAnOutage_servesTheSavedKeys_andTheLiveOnesOnceTheServerIsBack() throws Exception {
    firstInstanceRanAndStopped();
    issuer.server().stop();
    clock.advance(Duration.ofHours(2));

    try (TokenValidator restarted = TokenValidator.create(config().build())) {
      assertThat(restarted.validate(issuer.token().sign()).clientId()).isEqualTo("orders-service");
      IssuerHealth health = restarted.health().get(0);
      assertThat(health.keysLoaded()).isEqualTo(1);
      assertThat(health.stale()).as("saved 2 h ago, TTL 5 min").isTrue();
      assertThat(health.lastError()).hasValueSatisfying(error -> assertThat(error).contains("Connection refused"));
      assertThat(warnings()).anySatisfy(warning -> assertThat(warning).contains("serving the last good keys saved at"));

      // A kid the saved keys lack may be newer than they are: 503 while the key server is down, never 401.
      assertThatThrownBy(() -> restarted.validate(issuer.tokenSignedWith(KEY_2).sign()))
          .isInstanceOf(KeysUnavailableException.class);

      issuer.server().publish(KEY_2).restart();
      clock.advance(Duration.ofMinutes(1));
      Poll.until("the live keys replace the saved ones",
          () -> restarted.health().get(0).lastError().isEmpty());
      assertThat(restarted.validate(issuer.tokenSignedWith(KEY_2).sign()).clientId()).isEqualTo("orders-service");
      assertThat(restarted.health().get(0).stale()).isFalse();
    }
  }

  @Test
  void savedKeys_olderThanTheMaximumStaleness_areNotUsed() throws Exception {
    firstInstanceRanAndStopped();
    issuer.server().stop();
    // Saved with TTL 5 min; max staleness 1 h: usable until 65 min after the fetch.
    clock.advance(Duration.ofMinutes(66));

    try (TokenValidator restarted = TokenValidator.create(config().jwksMaxStaleness(Duration.ofHours(1)).build())) {
      assertThatThrownBy(() -> restarted.validate(issuer.token().sign()))
          .isInstanceOf(KeysUnavailableException.class);
      assertThat(warnings()).anySatisfy(warning -> assertThat(warning)
          .startsWith("Ignoring the saved keys of issuer " + issuer.issuer()).contains("outside jwks-max-staleness"));
    }
  }

  @Test
  void savedKeys_areNeverPreferredToALiveFetch() throws Exception {
    firstInstanceRanAndStopped();
    issuer.server().publish(KEY_2);

    try (TokenValidator restarted = TokenValidator.create(config().build())) {
      assertThat(restarted.validate(issuer.tokenSignedWith(KEY_2).sign()).clientId()).isEqualTo("orders-service");
      assertThatThrownBy(() -> restarted.validate(issuer.tokenSignedWith(KEY_1).sign()))
          .isInstanceOf(TokenRejectedException.class).hasMessageContaining("unknown key");
    }
  }

  @Test
  void corruptOrForeignSnapshot_isIgnoredWithAWarning() throws Exception {
    firstInstanceRanAndStopped();
    Path saved;
    try (Stream<Path> files = Files.list(snapshots)) {
      saved = files.findFirst().orElseThrow();
    }
    String original = Files.readString(saved);
    issuer.server().stop();

    for (String damaged : List.of(original.substring(0, original.length() / 2),
        original.replace(issuer.issuer(), "https://another.example"), "{\"format\":\"something else\"}")) {
      Files.writeString(saved, damaged);
      events.list.clear();
      try (TokenValidator restarted = TokenValidator.create(config().build())) {
        assertThatThrownBy(() -> restarted.validate(issuer.token().sign()))
            .isInstanceOf(KeysUnavailableException.class);
        assertThat(warnings()).anySatisfy(warning -> assertThat(warning)
            .startsWith("Ignoring the saved keys of issuer " + issuer.issuer()));
      }
    }
  }
}
