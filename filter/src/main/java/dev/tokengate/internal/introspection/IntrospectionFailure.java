package dev.tokengate.internal.introspection;

/**
 * The introspection endpoint gave no usable answer: unreachable, too slow, another status, too large, or a body that
 * is not an introspection response. The endpoint's fault (or the network's), never the caller's: answered 503. The
 * message is for logs and health, and never holds the token.
 */
final class IntrospectionFailure extends Exception {
  private static final long serialVersionUID = 1L;

  IntrospectionFailure(String message) {
    super(message, null, false, false);
  }

  IntrospectionFailure(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
