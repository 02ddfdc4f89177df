package dev.tokengate.internal.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.spi.ReplayStoreUnavailableException;
import dev.tokengate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The default replay store: each proof id accepted once within its lifetime, bounded, forgotten after it. */
class InMemoryReplayStoreTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T12:00:00Z"));

  @Test
  void eachProofId_isAcceptedOnce_untilItsLifetimeEnds() {
    InMemoryReplayStore store = new InMemoryReplayStore(100, clock);
    assertThat(store.firstUse("a", Duration.ofSeconds(60))).isTrue();
    assertThat(store.firstUse("a", Duration.ofSeconds(60))).isFalse();
    assertThat(store.firstUse("b", Duration.ofSeconds(60))).isTrue();
    clock.advance(Duration.ofSeconds(59));
    assertThat(store.firstUse("a", Duration.ofSeconds(60))).as("still within its lifetime").isFalse();
    clock.advance(Duration.ofSeconds(2));
    assertThat(store.size()).as("both expired").isZero();
    assertThat(store.firstUse("a", Duration.ofSeconds(60))).as("forgotten once its proof is too old anyway").isTrue();
  }

  @Test
  void isBounded_byRefusingNewProofsWhenFull_neverByForgettingOnesInsideTheirWindow() {
    InMemoryReplayStore store = new InMemoryReplayStore(10, clock);
    for (int i = 0; i < 10; i++) {
      assertThat(store.firstUse("id-" + i, Duration.ofSeconds(60))).isTrue();
    }
    for (int i = 10; i < 1000; i++) {
      String id = "id-" + i;
      assertThatThrownBy(() -> store.firstUse(id, Duration.ofSeconds(60)))
          .isInstanceOf(ReplayStoreUnavailableException.class).hasMessageContaining("dpop-replay-cache-size");
    }
    assertThat(store.size()).isEqualTo(10);
    for (int i = 0; i < 10; i++) {
      assertThat(store.firstUse("id-" + i, Duration.ofSeconds(60))).as("still a replay while full").isFalse();
    }
    clock.advance(Duration.ofSeconds(61));
    assertThat(store.firstUse("id-500", Duration.ofSeconds(60))).as("room again once entries expired").isTrue();
  }

  @Test
  void ofConcurrentUsesOfOneProof_exactlyOneIsFirst() throws Exception {
    InMemoryReplayStore store = new InMemoryReplayStore(1000, clock);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < 50; round++) {
        String id = "proof-" + round;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> uses = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          uses.add(pool.submit(() -> {
            go.await();
            return store.firstUse(id, Duration.ofSeconds(60));
          }));
        }
        go.countDown();
        int firsts = 0;
        for (Future<Boolean> use : uses) {
          firsts += use.get() ? 1 : 0;
        }
        assertThat(firsts).as(id).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
