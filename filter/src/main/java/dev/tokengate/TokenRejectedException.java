package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.util.Set;

/**
 * The caller's token or request was refused: the caller's fault, answered with 400, 401 or 403 as RFC 6750 says.
 *
 * <p>The {@linkplain #description() description} is safe to send to the caller: it says what was wrong ("The access
 * token expired") without internal detail, uses only the characters RFC 6750 allows in {@code error_description}, and
 * never contains the token.
 */
public final class TokenRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final BearerError error;
  private final String description;
  private final transient Set<String> requiredScopes;

  /**
   * Creates a rejection.
   *
   * @param error the RFC 6750 error code
   * @param description a short description for the client developer, without the token or internal detail
   */
  public TokenRejectedException(BearerError error, String description) {
    this(error, description, Set.of());
  }

  /**
   * Creates a rejection that names the scopes the request needed, for {@link BearerError#INSUFFICIENT_SCOPE}.
   *
   * @param error the RFC 6750 error code
   * @param description a short description for the client developer, without the token or internal detail
   * @param requiredScopes the scopes to list in the {@code scope} attribute of {@code WWW-Authenticate}
   */
  public TokenRejectedException(BearerError error, String description, Set<String> requiredScopes) {
    super(description, null, false, false);
    this.error = requireNonNull(error, "error");
    this.description = requireNonNull(description, "description");
    this.requiredScopes = Set.copyOf(requiredScopes);
  }

  /** The RFC 6750 error code, which decides the HTTP status. */
  public BearerError error() {
    return error;
  }

  /** A short description, safe to return to the caller. */
  public String description() {
    return description;
  }

  /** The scopes the request needed, when {@link #error()} is {@link BearerError#INSUFFICIENT_SCOPE}; else empty. */
  public Set<String> requiredScopes() {
    return requiredScopes;
  }
}
