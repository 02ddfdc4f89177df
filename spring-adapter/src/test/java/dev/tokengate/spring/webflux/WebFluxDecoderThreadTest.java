package dev.tokengate.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenValidator;
import dev.tokengate.testing.TestIssuer;
import dev.tokengate.spring.web.Http;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Schedulers;

/**
 * Which thread does the work of {@code TokenGateReactiveJwtDecoder}, seen from inside tokengate: the validator's
 * clock records every call made by full verification ({@code AccessTokenVerifier}) or key handling ({@code
 * IssuerKeys}), and every call made by a cache lookup, with the thread and whether it is one of Reactor's
 * non-blocking threads (Reactor Netty's event loop). A miss must never run on such a thread; a hit must run there,
 * without a hop.
 */
@SpringBootTest(classes = {WebFluxApi.class, WebFluxDecoderThreadTest.RecordingValidator.class},
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {"spring.main.web-application-type=reactive", "server.address=127.0.0.1"})
class WebFluxDecoderThreadTest {
  private static final TestIssuer issuer = TestIssuer.start();

  @AfterAll
  static void stopIssuer() {
    issuer.close();
  }

  @LocalServerPort
  int port;

  @Autowired
  RecordingClock clock;

  private Http http;

  @BeforeEach
  void client() {
    http = new Http(port);
    clock.calls.clear();
  }

  @Test
  void newToken_isVerifiedOffTheEventLoop() {
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("first-call").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    List<Call> verification = clock.calls("AccessTokenVerifier", "IssuerKeys");
    assertThat(verification).isNotEmpty();
    assertThat(verification).allSatisfy(call -> {
      assertThat(call.nonBlocking()).as(call.toString()).isFalse();
      assertThat(call.thread()).as(call.toString()).startsWith("boundedElastic-");
    });
  }

  @Test
  void tokenAfterRotation_waitsForTheNewKeysOffTheEventLoop() {
    issuer.rotate();
    int before = issuer.jwksRequests();
    HttpResponse<String> response = http.get("/api/me", issuer.token().clientId("after-rotation").sign());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(issuer.jwksRequests()).isGreaterThan(before);
    assertThat(clock.calls("IssuerKeys")).isNotEmpty()
        .allSatisfy(call -> assertThat(call.nonBlocking()).as(call.toString()).isFalse());
  }

  @Test
  void rememberedToken_isAnsweredOnTheEventLoop_withoutVerifyingAgain() {
    String token = issuer.token().clientId("repeat-caller").sign();
    assertThat(http.get("/api/me", token).statusCode()).isEqualTo(200);
    clock.calls.clear();

    HttpResponse<String> again = http.get("/api/me", token);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.body()).startsWith("repeat-caller ");
    assertThat(clock.calls("AccessTokenVerifier")).isEmpty();
    List<Call> lookups = clock.calls("ValidatedTokenCache");
    assertThat(lookups).isNotEmpty().allSatisfy(call -> {
      assertThat(call.nonBlocking()).as(call.toString()).isTrue();
      assertThat(call.thread()).as(call.toString()).startsWith("reactor-http-");
    });
  }

  record Call(String thread, boolean nonBlocking, Set<String> callers) {}

  /** The system clock, recording who asks it the time, from which thread. */
  static final class RecordingClock extends Clock {
    private static final Set<String> WATCHED = Set.of("AccessTokenVerifier", "IssuerKeys", "ValidatedTokenCache");

    final Queue<Call> calls = new ConcurrentLinkedQueue<>();

    @Override
    public long millis() {
      Set<String> callers = StackWalker.getInstance().walk(frames -> frames
          .map(frame -> frame.getClassName().substring(frame.getClassName().lastIndexOf('.') + 1))
          .map(name -> name.contains("$") ? name.substring(0, name.indexOf('$')) : name)
          .filter(WATCHED::contains)
          .collect(java.util.stream.Collectors.toSet()));
      if (!callers.isEmpty()) {
        calls.add(new Call(Thread.currentThread().getName(), Schedulers.isInNonBlockingThread(), callers));
      }
      return System.currentTimeMillis();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    List<Call> calls(String... callers) {
      return calls.stream().filter(call -> java.util.Arrays.stream(callers).anyMatch(call.callers()::contains))
          // The key refresher's own daemon threads keep keys fresh in the background; requests never wait on them.
          .filter(call -> !call.thread().startsWith("tokengate-"))
          .toList();
    }
  }

  /** A validator built in code, with the recording clock. */
  @Configuration(proxyBeanMethods = false)
  static class RecordingValidator {
    @Bean
    RecordingClock recordingClock() {
      return new RecordingClock();
    }

    @Bean(destroyMethod = "close")
    TokenValidator tokenValidator(RecordingClock clock) {
      return TokenValidator.create(
          TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api").clock(clock).build());
    }
  }
}
