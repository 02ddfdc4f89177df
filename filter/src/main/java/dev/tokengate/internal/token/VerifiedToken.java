package dev.tokengate.internal.token;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.internal.jwks.KeyBinding;

/**
 * What a full validation learned about a token, beyond the principal: what a cache needs to judge the token again
 * later without its signature, and to forget it when its key goes away.
 *
 * @param principal the caller the token describes
 * @param kid the {@code kid} of the key that verified the signature, {@code null} when the header named none
 * @param notBeforeMillis the {@code nbf} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent
 * @param issuedAtMillis the {@code iat} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent
 * @param key the key that verified the signature: a remembered token is good only while this very key is usable
 */
public record VerifiedToken(ClientPrincipal principal, String kid, long notBeforeMillis, long issuedAtMillis,
                            KeyBinding key) {
  /** The {@code exp} claim in epoch milliseconds (always present: validation requires it). */
  public long expiresAtMillis() {
    return principal.expiresAt().toEpochMilli();
  }
}
