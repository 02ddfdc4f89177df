package dev.tokengate.spring.web;

import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.spi.ValidationListener;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** A {@link ValidationListener} bean that writes down what it heard, e.g. {@code accepted billing-service}. */
public final class RecordingListener implements ValidationListener {
  private final Queue<String> events = new ConcurrentLinkedQueue<>();

  @Override
  public void onAccepted(ClientPrincipal principal) {
    events.add("accepted " + principal.clientId());
  }

  @Override
  public void onRejected(BearerError error, String description) {
    events.add(error.code() + " " + description);
  }

  @Override
  public void onTokenMissing() {
    events.add("missing");
  }

  @Override
  public void onKeysUnavailable(KeysUnavailableException.Reason reason) {
    events.add("unavailable " + reason);
  }

  public List<String> events() {
    return List.copyOf(events);
  }

  public void clear() {
    events.clear();
  }
}
