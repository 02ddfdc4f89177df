package dev.tokengate.internal.token;

import dev.tokengate.ClientPrincipal;

/**
 * What a full validation learned about a token, beyond the principal: what a cache needs to judge the token again
 * later without its signature, and to forget it when its key goes away.
 *
 * @param principal the caller the token describes
 * @param kid the {@code kid} of the key that verified the signature, {@code null} when the header named none
 * @param notBeforeMillis the {@code nbf} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent
 * @param issuedAtMillis the {@code iat} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent
 */
public record VerifiedToken(ClientPrincipal principal, String kid, long notBeforeMillis, long issuedAtMillis) {
  /** The {@code exp} claim in epoch milliseconds (always present: validation requires it). */
  public long expiresAtMillis() {
    return principal.expiresAt().toEpochMilli();
  }
}
