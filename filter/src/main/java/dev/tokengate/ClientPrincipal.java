package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.security.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The client that called the API, as its validated access token describes it.
 *
 * <p>Downstream of {@link TokenGateFilter}, {@code request.getUserPrincipal()} returns it, {@code getRemoteUser()}
 * returns its {@linkplain #clientId() client id}, and {@code isUserInRole(scope)} is true for each scope it carries.
 * {@link TokenGateFilter#principal(jakarta.servlet.ServletRequest)} reads it from the request.
 *
 * <p>Immutable and thread-safe. It never exposes the token itself, so logging it is safe. A principal made by
 * tokengate reads {@link #claims()} from the request's own token the first time they are asked for (the validated-
 * token cache keeps only what a hit needs), and lets go of the token then.
 */
public final class ClientPrincipal implements Principal {
  private final String clientId;
  private final String subject;
  private final String issuer;
  private final Set<String> audiences;
  private final Set<String> scopes;
  private final Instant expiresAt;
  /** The deep-copied claims, once they were asked for or given to the public constructor. */
  private volatile Map<String, Object> claims;
  /** Where the claims come from until they are copied; {@code null} after. */
  private volatile Supplier<Map<String, Object>> pendingClaims;
  /**
   * The token's {@code cnf.x5t#S256} (RFC 8705 §3.1), {@code null} when it is not certificate-bound: kept beside the
   * claims so that the filter checks the binding on every request without reading the claims again.
   */
  private final String certificateThumbprint;

  static {
    // The non-public construction path for the validator (see Principals): claims read from the token on demand.
    dev.tokengate.internal.token.Principals.install(ClientPrincipal::new, principal -> principal.certificateThumbprint);
  }

  /**
   * Creates a principal; every collection is copied.
   *
   * @param clientId the calling client's id, read from the first present of the configured client-id claims
   * @param subject the {@code sub} claim, or {@code null} when the token has none
   * @param issuer the {@code iss} claim
   * @param audiences the {@code aud} claim
   * @param scopes the scopes, merged from the configured scope claims
   * @param expiresAt the {@code exp} claim
   * @param claims every claim of the token, with JSON values as {@code String}, {@code Number}, {@code Boolean},
   *     {@code List} and {@code Map}
   */
  public ClientPrincipal(
      String clientId,
      String subject,
      String issuer,
      Set<String> audiences,
      Set<String> scopes,
      Instant expiresAt,
      Map<String, Object> claims) {
    this.clientId = requireNonNull(clientId, "clientId");
    this.subject = subject;
    this.issuer = requireNonNull(issuer, "issuer");
    this.audiences = Set.copyOf(audiences);
    this.scopes = Set.copyOf(scopes);
    this.expiresAt = requireNonNull(expiresAt, "expiresAt");
    this.claims = deepCopy(claims);
    this.certificateThumbprint = this.claims.get("cnf") instanceof Map<?, ?> cnf
        && cnf.get("x5t#S256") instanceof String thumbprint ? thumbprint : null;
  }

  /**
   * A principal whose claims are read from {@code claims} the first time {@link #claims()} (or {@link #equals}) needs
   * them, then deep-copied like the public constructor's. The collections must be immutable already: they are kept.
   */
  private ClientPrincipal(String clientId, String subject, String issuer, Set<String> audiences, Set<String> scopes,
      Instant expiresAt, Supplier<Map<String, Object>> claims, String certificateThumbprint) {
    this.clientId = requireNonNull(clientId, "clientId");
    this.subject = subject;
    this.issuer = requireNonNull(issuer, "issuer");
    this.audiences = requireNonNull(audiences, "audiences");
    this.scopes = requireNonNull(scopes, "scopes");
    this.expiresAt = requireNonNull(expiresAt, "expiresAt");
    this.pendingClaims = requireNonNull(claims, "claims");
    this.certificateThumbprint = certificateThumbprint;
  }

  /** The calling client's id, e.g. {@code orders-service}. Also {@link #getName()}. */
  public String clientId() {
    return clientId;
  }

  /** The {@code sub} claim, when the token has one. */
  public Optional<String> subject() {
    return Optional.ofNullable(subject);
  }

  /** The issuer that signed the token, exactly as configured. */
  public String issuer() {
    return issuer;
  }

  /** The audiences the token was issued for. */
  public Set<String> audiences() {
    return audiences;
  }

  /** The scopes the token grants, merged from every configured scope claim. */
  public Set<String> scopes() {
    return scopes;
  }

  /** Whether the token grants {@code scope}. */
  public boolean hasScope(String scope) {
    return scopes.contains(scope);
  }

  /** When the token expires. */
  public Instant expiresAt() {
    return expiresAt;
  }

  /** Every claim of the token, unmodifiable, nested values included. */
  public Map<String, Object> claims() {
    Map<String, Object> copied = claims;
    if (copied != null) {
      return copied;
    }
    Supplier<Map<String, Object>> pending = pendingClaims;
    if (pending == null) {
      // Another thread copied them meanwhile: it wrote claims before clearing pendingClaims.
      return claims;
    }
    // Two threads may both copy; they make equal maps, and either is a correct answer.
    copied = deepCopy(pending.get());
    claims = copied;
    pendingClaims = null;
    return copied;
  }

  /** Returns the {@linkplain #clientId() client id}. */
  @Override
  public String getName() {
    return clientId;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ClientPrincipal that
        && clientId.equals(that.clientId)
        && issuer.equals(that.issuer)
        && expiresAt.equals(that.expiresAt)
        && claims().equals(that.claims());
  }

  @Override
  public int hashCode() {
    return clientId.hashCode() * 31 + expiresAt.hashCode();
  }

  /** Names the client, its scopes, issuer and expiry; never the token. */
  @Override
  public String toString() {
    return "ClientPrincipal[clientId=" + clientId + ", scopes=" + scopes + ", issuer=" + issuer + ", expiresAt="
        + expiresAt + "]";
  }

  private static Map<String, Object> deepCopy(Map<String, ?> map) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((name, value) -> {
      if (value != null) {
        copy.put(name, deepCopyValue(value));
      }
    });
    return Collections.unmodifiableMap(copy);
  }

  @SuppressWarnings("unchecked")
  private static Object deepCopyValue(Object value) {
    if (value instanceof Map<?, ?> map) {
      return deepCopy((Map<String, ?>) map);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (Object element : list) {
        copy.add(element == null ? null : deepCopyValue(element));
      }
      return Collections.unmodifiableList(copy);
    }
    return value;
  }
}
