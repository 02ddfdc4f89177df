package dev.tokengate.internal.dpop;

/**
 * A DPoP proof is missing, malformed or does not fit this request: 401 {@code invalid_dpop_proof} (RFC 9449 §7.1).
 * The description is ours, safe to send, and never contains the proof or the token.
 */
public final class DpopProofException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean nonceNeeded;

  public DpopProofException(String description) {
    this(description, false);
  }

  private DpopProofException(String description, boolean nonceNeeded) {
    super(description, null, false, false);
    this.nonceNeeded = nonceNeeded;
  }

  /** The proof lacks a nonce this server issued, or has a stale or foreign one: {@code use_dpop_nonce} (§9). */
  static DpopProofException nonceNeeded(String description) {
    return new DpopProofException(description, true);
  }

  /** Whether the answer is {@code use_dpop_nonce} with a fresh nonce, rather than {@code invalid_dpop_proof}. */
  public boolean nonceNeeded() {
    return nonceNeeded;
  }

  public String description() {
    return getMessage();
  }
}
