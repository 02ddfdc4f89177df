package dev.tokengate.spring;

/** A {@code tokengate.*} property is missing or wrong; {@link TokenGateFailureAnalyzer} turns it into advice. */
final class InvalidTokenGatePropertyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String property;

  InvalidTokenGatePropertyException(String property, String message, Throwable cause) {
    super(message, cause);
    this.property = property;
  }

  /** The full property name, e.g. {@code tokengate.audiences}. */
  String property() {
    return property;
  }
}
