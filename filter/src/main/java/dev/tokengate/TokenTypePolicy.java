package dev.tokengate;

/**
 * Which JOSE {@code typ} header values a token may carry. Checking {@code typ} keeps other kinds of JWT issued by the
 * same server (ID tokens, logout tokens) from being accepted as access tokens (RFC 8725 §3.11, RFC 9068 §4).
 */
public enum TokenTypePolicy {
  /**
   * Accepts {@code at+jwt}, {@code application/at+jwt}, {@code JWT} or no {@code typ} at all. The default, because
   * Keycloak, Entra ID and others send {@code JWT} on their access tokens.
   */
  LENIENT,
  /** Requires {@code at+jwt} or {@code application/at+jwt}, as RFC 9068 specifies for JWT access tokens. */
  STRICT
}
