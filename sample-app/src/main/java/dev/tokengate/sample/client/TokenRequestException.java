package dev.tokengate.sample.client;

/** The issuer could not be reached, or refused to issue a token. */
public final class TokenRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TokenRequestException(String message, Throwable cause) {
    super(message, cause);
  }
}
