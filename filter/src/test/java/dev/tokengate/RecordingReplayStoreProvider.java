package dev.tokengate;

import dev.tokengate.spi.DpopReplayStore;
import dev.tokengate.spi.DpopReplayStoreProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link DpopReplayStoreProvider} named {@code recording}, found by {@link java.util.ServiceLoader} through this
 * module's test resources as tokengate-redis's is through its jar: it records what it made, with which settings, and
 * whether the store was closed.
 */
public final class RecordingReplayStoreProvider implements DpopReplayStoreProvider {
  static final List<Store> MADE = new CopyOnWriteArrayList<>();

  /** A store remembering proofs in a map; {@link #close()} is counted. */
  static final class Store implements DpopReplayStore, AutoCloseable {
    final Map<String, String> settings;
    final Map<String, Boolean> seen = new ConcurrentHashMap<>();
    volatile int closed;

    Store(Map<String, String> settings) {
      this.settings = settings;
    }

    @Override
    public boolean firstUse(String proofId, Duration lifetime) {
      return seen.putIfAbsent(proofId, true) == null;
    }

    @Override
    public void close() {
      closed++;
    }
  }

  public RecordingReplayStoreProvider() {}

  @Override
  public String name() {
    return "recording";
  }

  @Override
  public Set<String> settingNames() {
    return Set.of("recording.label", "recording.fail");
  }

  @Override
  public DpopReplayStore create(Map<String, String> settings) {
    if (settings.containsKey("recording.fail")) {
      throw new IllegalArgumentException("Setting 'recording.fail' fails, as asked");
    }
    Store store = new Store(Map.copyOf(settings));
    MADE.add(store);
    return store;
  }
}
