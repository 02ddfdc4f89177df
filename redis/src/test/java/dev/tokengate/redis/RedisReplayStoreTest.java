package dev.tokengate.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokengate.spi.ReplayStoreUnavailableException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The store against a real redis-server: atomic first use, expiry set, fail closed when Redis is gone. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisReplayStoreTest {
  private RedisServer redis;
  private RedisReplayStore store;
  private RedisClient inspector;
  private StatefulRedisConnection<String, String> inspection;

  @BeforeAll
  void start() throws Exception {
    redis = RedisServer.start();
    store = RedisReplayStore.builder(redis.uri()).build();
    inspector = RedisClient.create(redis.uri().toString());
    inspection = inspector.connect();
  }

  @AfterAll
  void stop() {
    inspection.close();
    inspector.shutdown();
    store.close();
    redis.close();
  }

  @Test
  void firstUse_isTrueOnce_andTheKeyExpiresWithTheProof() {
    String id = UUID.randomUUID().toString();
    assertThat(store.firstUse(id, Duration.ofSeconds(30))).isTrue();
    assertThat(store.firstUse(id, Duration.ofSeconds(30))).isFalse();
    long ttl = inspection.sync().pttl("tokengate:dpop:" + id);
    assertThat(ttl).as("PX set to the proof's remaining lifetime").isBetween(25_000L, 30_000L);
  }

  @Test
  void twoStores_shareOneRedis() {
    try (RedisReplayStore other = RedisReplayStore.builder(redis.uri()).build()) {
      String id = UUID.randomUUID().toString();
      assertThat(store.firstUse(id, Duration.ofSeconds(30))).isTrue();
      assertThat(other.firstUse(id, Duration.ofSeconds(30))).isFalse();
    }
  }

  @Test
  void ofConcurrentUsesAcrossStores_exactlyOneIsFirst() throws Exception {
    try (RedisReplayStore other = RedisReplayStore.builder(redis.uri()).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        for (int round = 0; round < 20; round++) {
          String id = UUID.randomUUID().toString();
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Boolean>> uses = new ArrayList<>();
          for (int t = 0; t < 8; t++) {
            RedisReplayStore using = t % 2 == 0 ? store : other;
            uses.add(pool.submit(() -> {
              go.await();
              return using.firstUse(id, Duration.ofSeconds(30));
            }));
          }
          go.countDown();
          int firsts = 0;
          for (Future<Boolean> use : uses) {
            firsts += use.get() ? 1 : 0;
          }
          assertThat(firsts).isEqualTo(1);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void noRedis_failsClosed_withTheRetryAfter() throws Exception {
    URI nothing = URI.create("redis://127.0.0.1:" + RedisServer.freePort());
    try (RedisReplayStore unreachable = RedisReplayStore.builder(nothing).retryAfter(Duration.ofSeconds(3)).build()) {
      assertThatThrownBy(() -> unreachable.firstUse("x", Duration.ofSeconds(30)))
          .isInstanceOf(ReplayStoreUnavailableException.class)
          .satisfies(e -> assertThat(((ReplayStoreUnavailableException) e).retryAfter())
              .isEqualTo(Duration.ofSeconds(3)));
    }
  }

  @Test
  void badSettings_areRefusedNamingThem() {
    assertThatThrownBy(() -> RedisReplayStore.builder(URI.create("http://127.0.0.1:6379")))
        .hasMessage("The Redis URI must start with redis://, rediss:// or redis-socket://, was 'http://…'");
    assertThatThrownBy(() -> RedisReplayStore.builder(redis.uri()).commandTimeout(Duration.ofMinutes(1)))
        .hasMessage("commandTimeout must be between 10ms and 10s, was PT1M");
    assertThatThrownBy(() -> RedisReplayStore.builder(redis.uri()).retryAfter(Duration.ZERO))
        .hasMessage("retryAfter must be between 1s and 1h, was PT0S");
    assertThatThrownBy(() -> RedisReplayStore.builder(redis.uri()).keyPrefix(""))
        .hasMessage("keyPrefix must have 1 to 100 characters, was ''");
  }
}
