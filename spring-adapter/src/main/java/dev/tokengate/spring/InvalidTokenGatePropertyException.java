package dev.tokengate.spring;

/**
 * tokengate cannot protect the application as configured: a {@code tokengate.*} property is missing, wrong or
 * unknown, or the application is of a kind tokengate cannot protect. {@link TokenGateFailureAnalyzer} turns it into
 * advice.
 */
final class InvalidTokenGatePropertyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String property;
  private final String action;

  InvalidTokenGatePropertyException(String property, String message, Throwable cause) {
    this(property, message, null, cause);
  }

  /** With {@code action} saying what to do, when "correct the property" is not enough. */
  InvalidTokenGatePropertyException(String property, String message, String action, Throwable cause) {
    super(message, cause);
    this.property = property;
    this.action = action;
  }

  /** The full property name, e.g. {@code tokengate.audiences}. */
  String property() {
    return property;
  }

  /** What to do, or null for the general advice to correct {@link #property()}. */
  String action() {
    return action;
  }
}
