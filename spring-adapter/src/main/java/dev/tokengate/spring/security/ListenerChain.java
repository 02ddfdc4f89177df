package dev.tokengate.spring.security;

import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.spi.ValidationListener;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's {@link ValidationListener} beans, in order, each isolated: one that throws neither stops the next
 * nor changes the outcome (as the starter's listener for the filter does).
 */
final class ListenerChain implements ValidationListener {
  private static final Logger log = LoggerFactory.getLogger(ListenerChain.class);

  private final List<ValidationListener> listeners;

  ListenerChain(List<ValidationListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public void onAccepted(ClientPrincipal principal) {
    each(l -> l.onAccepted(principal));
  }

  @Override
  public void onRejected(BearerError error, String description) {
    each(l -> l.onRejected(error, description));
  }

  @Override
  public void onTokenMissing() {
    each(ValidationListener::onTokenMissing);
  }

  @Override
  public void onKeysUnavailable() {
    each(ValidationListener::onKeysUnavailable);
  }

  @Override
  public void onKeysUnavailable(KeysUnavailableException.Reason reason) {
    each(l -> l.onKeysUnavailable(reason));
  }

  private void each(Consumer<ValidationListener> call) {
    for (ValidationListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException | LinkageError e) {
        log.warn("ValidationListener {} failed; the request's outcome is unchanged", listener, e);
      }
    }
  }
}
