package dev.tokengate.internal.dpop;

/**
 * A DPoP proof is missing, malformed or does not fit this request: 401 {@code invalid_dpop_proof} (RFC 9449 §7.1).
 * The description is ours, safe to send, and never contains the proof or the token.
 */
public final class DpopProofException extends Exception {
  private static final long serialVersionUID = 1L;

  public DpopProofException(String description) {
    super(description, null, false, false);
  }

  public String description() {
    return getMessage();
  }
}
