package dev.tokengate;

/**
 * The error codes of <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3.1">RFC 6750 §3.1</a>, each with the
 * HTTP status the filter answers with.
 */
public enum BearerError {
  /** The request is malformed: a broken {@code Authorization} header, an empty token, a token in two places. */
  INVALID_REQUEST("invalid_request", 400),
  /** The token is expired, forged, malformed, or was issued for someone else. */
  INVALID_TOKEN("invalid_token", 401),
  /** The token is valid but lacks a scope the endpoint requires. */
  INSUFFICIENT_SCOPE("insufficient_scope", 403);

  private final String code;
  private final int status;

  BearerError(String code, int status) {
    this.code = code;
    this.status = status;
  }

  /** The error code as it appears in {@code WWW-Authenticate}, e.g. {@code invalid_token}. */
  public String code() {
    return code;
  }

  /** The HTTP status that goes with this error. */
  public int httpStatus() {
    return status;
  }
}
