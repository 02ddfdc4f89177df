package dev.tokengate;

/**
 * Whether a trusted issuer's tokens may or must be sender-constrained with DPoP (<a
 * href="https://www.rfc-editor.org/rfc/rfc9449">RFC 9449</a>): the client signs a fresh proof for every request with
 * a key it holds, and the token names that key in its {@code cnf.jkt} claim, so a stolen token is useless without
 * the key.
 *
 * <p>Set per issuer: the setting {@code dpop} for {@code issuer}, {@code issuers[N].dpop} for each further one.
 *
 * @since 0.1.0
 */
public enum DpopMode {
  /**
   * The default: DPoP is not used. The {@code DPoP} authorization scheme is not recognised (answered like any other
   * foreign scheme, with a bare {@code Bearer} challenge) and a token's {@code cnf} claim is not looked at.
   */
  OFF,
  /**
   * Both schemes: {@code Authorization: Bearer} for tokens without {@code cnf.jkt}, {@code Authorization: DPoP} with a
   * valid proof for DPoP-bound tokens. A DPoP-bound token sent as Bearer is refused (RFC 9449 §7.2).
   */
  ALLOWED,
  /** Only {@code Authorization: DPoP} with a DPoP-bound token and a valid proof; every Bearer request is refused. */
  REQUIRED
}
