package dev.tokengate.internal.token;

import dev.tokengate.ClientPrincipal;
import dev.tokengate.internal.jwks.KeyBinding;
import java.util.Map;

/**
 * What a full validation learned about a token: what a cache keeps to judge the token again later without its
 * signature (the {@link CachedToken}), and the parsed payload this request's principal reads its claims from.
 *
 * @param entry what the cache keeps
 * @param kid the {@code kid} of the key that verified the signature, {@code null} when the header named none
 * @param payload the token's claims as Nimbus parsed them; owned by this record, never changed
 */
public record VerifiedToken(CachedToken entry, String kid, Map<String, Object> payload) {
  /** The caller the token describes; its claims are copied from {@link #payload} if asked for. */
  public ClientPrincipal principal() {
    return entry.principal(() -> payload);
  }

  /** The {@code exp} claim in epoch milliseconds (always present: validation requires it). */
  public long expiresAtMillis() {
    return entry.expiresAt();
  }

  /** The {@code nbf} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent. */
  public long notBeforeMillis() {
    return entry.notBefore();
  }

  /** The {@code iat} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent. */
  public long issuedAtMillis() {
    return entry.issuedAt();
  }

  /** The key that verified the signature. */
  public KeyBinding key() {
    return entry.key();
  }
}
