package dev.tokengate.internal.token;

import com.github.benmanes.caffeine.cache.Interner;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.internal.jwks.KeyBinding;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What the validated-token cache keeps of a token: only what a hit needs to answer and to judge the token again (the
 * principal's fields, the times, the key that verified it), about 100 bytes beside the strings and sets it shares.
 *
 * <p>The claims are not kept: a hit reads them from the request's own token when asked (see {@link Principals}); the
 * cache found the entry by the exact token or by its SHA-256, so that token is the one validated. Client ids,
 * subjects, scope and audience sets are interned (Caffeine's weak interner: one copy per distinct value while any
 * entry uses it, gone with the last), since thousands of tokens of one client carry the same ones. Only validated
 * tokens reach the interner, so no one without the issuer's key can fill it.
 */
public final class CachedToken {
  private static final Interner<String> STRINGS = Interner.newWeakInterner();
  private static final Interner<Set<String>> SETS = Interner.newWeakInterner();

  private final String clientId;
  private final String subject;
  private final String issuer;
  private final Set<String> audiences;
  private final Set<String> scopes;
  private final long expiresAt;
  private final long notBefore;
  private final long issuedAt;
  private final KeyBinding key;
  /** The token's {@code cnf.x5t#S256}, {@code null} when it is not certificate-bound; checked on every request. */
  private final String certificateThumbprint;

  /**
   * @param expiresAt the {@code exp} claim in epoch milliseconds
   * @param notBefore the {@code nbf} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent
   * @param issuedAt the {@code iat} claim in epoch milliseconds, {@link Long#MIN_VALUE} when absent
   * @param key the key that verified the signature: the entry is good only while this very key is usable
   * @param certificateThumbprint the token's {@code cnf.x5t#S256} (RFC 8705 §3.1), {@code null} when absent
   */
  CachedToken(String clientId, String subject, String issuer, Collection<String> audiences, Collection<String> scopes,
      long expiresAt, long notBefore, long issuedAt, KeyBinding key, String certificateThumbprint) {
    this(clientId, subject, issuer, immutableSet(audiences), immutableSet(scopes), expiresAt, notBefore, issuedAt,
        key, certificateThumbprint, true);
  }

  /** Keeps the immutable sets it is given (interned ones, for {@link #shared}). */
  private CachedToken(String clientId, String subject, String issuer, Set<String> audiences, Set<String> scopes,
      long expiresAt, long notBefore, long issuedAt, KeyBinding key, String certificateThumbprint, boolean immutable) {
    this.clientId = clientId;
    this.subject = subject;
    this.issuer = issuer;
    this.audiences = audiences;
    this.scopes = scopes;
    this.expiresAt = expiresAt;
    this.notBefore = notBefore;
    this.issuedAt = issuedAt;
    this.key = key;
    this.certificateThumbprint = certificateThumbprint;
  }

  /**
   * This entry with its strings and sets interned, to be kept: done only when the cache stores it, so that a token
   * answered without being remembered (cache off, or already within its exp skew) does not pay for the lookups.
   */
  CachedToken shared() {
    return new CachedToken(STRINGS.intern(clientId), subject == null ? null : STRINGS.intern(subject), issuer,
        SETS.intern(audiences), SETS.intern(scopes), expiresAt, notBefore, issuedAt, key, certificateThumbprint,
        true);
  }

  /**
   * An immutable copy without duplicates, without the intermediate {@code HashSet} that {@code Set.copyOf} makes of
   * any collection not already immutable (a measurable part of a first-seen token): a token's few audiences and
   * scopes are checked for duplicates pairwise, and only a long list goes through a hash set.
   */
  private static Set<String> immutableSet(Collection<String> values) {
    if (values instanceof Set<String> set) {
      return set.isEmpty() ? Set.of() : Set.of(set.toArray(new String[0]));
    }
    String[] array = values.toArray(new String[0]);
    if (array.length > 16) {
      return Set.copyOf(values);
    }
    int distinct = 0;
    outer:
    for (String value : array) {
      for (int i = 0; i < distinct; i++) {
        if (array[i].equals(value)) {
          continue outer;
        }
      }
      array[distinct++] = value;
    }
    return Set.of(distinct == array.length ? array : Arrays.copyOf(array, distinct));
  }

  /** The principal, with claims from {@code claims} when asked for. */
  ClientPrincipal principal(Supplier<Map<String, Object>> claims) {
    return Principals.create(clientId, subject, issuer, audiences, scopes, Instant.ofEpochMilli(expiresAt), claims,
        certificateThumbprint);
  }

  /** The principal of {@code token}, which must be the very token this entry was made from. */
  ClientPrincipal principal(String token) {
    return principal(() -> AccessTokenVerifier.payloadOf(token));
  }

  long expiresAt() {
    return expiresAt;
  }

  long notBefore() {
    return notBefore;
  }

  long issuedAt() {
    return issuedAt;
  }

  KeyBinding key() {
    return key;
  }

  /**
   * Whether a hit may be served at {@code now}: before exp (an entry lives until exp and never longer, like its
   * Caffeine expiry; a token inside the skew after exp is validated in full again), past nbf and iat with the skew, and
   * the key still usable. Checked here too because the hot tier has no expiry of its own.
   */
  boolean usable(long now, long clockSkewMillis) {
    return now < expiresAt
        && (notBefore == Long.MIN_VALUE || now + clockSkewMillis >= notBefore)
        && (issuedAt == Long.MIN_VALUE || now + clockSkewMillis >= issuedAt)
        && key.stillUsable(now);
  }
}
