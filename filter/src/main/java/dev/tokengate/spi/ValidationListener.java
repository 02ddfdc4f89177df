package dev.tokengate.spi;

import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.KeysUnavailableException;

/**
 * Hears the outcome of each request {@link dev.tokengate.TokenGateFilter} decides, e.g. to count outcomes as metrics
 * (the Spring Boot starter does so through Micrometer). Pass it to {@link
 * dev.tokengate.TokenGateFilter#TokenGateFilter(dev.tokengate.TokenValidator, ValidationListener)}.
 *
 * <p>Methods are called on the request thread, once per request the filter decides (public paths are not decided;
 * a request the request firewall refuses is heard as {@code onRejected(INVALID_REQUEST, ...)}), so they must be fast
 * and should not throw. A listener never changes an outcome: whatever it throws, checked exceptions, {@link
 * AssertionError} and {@link LinkageError} (a metrics library missing at run time) included, is logged at WARN and
 * dropped, and the answer is the one it would have been. Only a {@link VirtualMachineError} (out of memory, stack
 * overflow) is not swallowed: the JVM is failing, and the request ends in an error, never let through. Every method
 * does nothing by default. The token itself is never passed, so a listener cannot leak it.
 */
public interface ValidationListener {
  /** The request carried a valid token with every scope required, and goes on to the application. */
  default void onAccepted(ClientPrincipal principal) {}

  /**
   * The request was refused with a 400, 401 or 403 naming {@code error}.
   *
   * @param error the RFC 6750 error code, which decides the status
   * @param description the description sent to the caller, e.g. "The access token expired"; free of the token
   */
  default void onRejected(BearerError error, String description) {}

  /** The request carried no bearer token and was answered 401 with a bare challenge. */
  default void onTokenMissing() {}

  /** The token could not be checked because the issuer's keys cannot be had; answered 503. */
  default void onKeysUnavailable() {}

  /**
   * The token could not be checked, answered 503 with {@code Retry-After}, and why: {@link
   * KeysUnavailableException.Reason#KEY_REFRESH_PENDING} is not an outage but a token naming a new key, waiting for
   * the rate-limited refresh that may bring it. The filter calls this one; by default it calls {@link
   * #onKeysUnavailable()}, so a listener written before reasons existed hears every 503 as before.
   */
  default void onKeysUnavailable(KeysUnavailableException.Reason reason) {
    onKeysUnavailable();
  }
}
