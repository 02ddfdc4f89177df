package dev.tokengate.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tokengate.KeysUnavailableException;
import dev.tokengate.spring.web.RecordingListener;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The starter's listener chain passes on what the filter tells it, the reason of a 503 included. */
class CompositeListenerTest {
  @Test
  void keyRefreshPending_reachesEveryListener_asSuch() {
    RecordingListener first = new RecordingListener();
    RecordingListener second = new RecordingListener();
    TokenGateAutoConfiguration.CompositeListener chain =
        new TokenGateAutoConfiguration.CompositeListener(List.of(first, second));
    chain.onKeysUnavailable(KeysUnavailableException.Reason.KEY_REFRESH_PENDING);
    chain.onKeysUnavailable(KeysUnavailableException.Reason.KEYS_UNAVAILABLE);
    assertThat(first.events()).containsExactly("unavailable KEY_REFRESH_PENDING", "unavailable KEYS_UNAVAILABLE");
    assertThat(second.events()).isEqualTo(first.events());
  }
}
