package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * How this API asks one trusted issuer whether an opaque access token is active: token introspection, RFC 7662.
 * Set it per issuer with {@link TokenGateConfig.Builder#introspection(Introspection)} (the issuer set with {@code
 * issuer}) or {@link TokenGateConfig.Builder#introspection(String, Introspection)}; as settings {@code
 * introspection-client-id}, {@code introspection-client-secret}, {@code introspection-endpoint} and {@code
 * introspection-client-authentication}, or {@code issuers[N].introspection-...} for entry {@code N}.
 *
 * <pre>{@code
 * TokenGateConfig.builder()
 *     .issuer("https://login.example.com")
 *     .audiences("orders-api")
 *     .introspection(Introspection.withClient("orders-api", secret))   // endpoint from the issuer's metadata
 *     .build();
 * }</pre>
 *
 * <p>A token that is not a compact JWS is sent to the endpoint; the answer passes the same checks as a JWT's claims
 * ({@code active}, {@code exp} required, {@code nbf}, {@code iat}, {@code iss}, {@code aud}, {@code token_type} when
 * given, the client id and scopes) and is remembered for a short while, see {@link
 * TokenGateConfig.Builder#introspectionCacheMaxTtl}. Immutable; {@link #toString()} masks the secret.
 *
 * @since 0.1.0
 */
public final class Introspection {
  /** How this API authenticates to the introspection endpoint (RFC 6749 §2.3.1). */
  public enum ClientAuthentication {
    /** HTTP Basic with the form-encoded client id and secret; the default. */
    CLIENT_SECRET_BASIC,
    /** {@code client_id} and {@code client_secret} in the form body. */
    CLIENT_SECRET_POST;

    /** The setting's spelling, e.g. {@code client_secret_basic}. */
    public String settingValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Optional<URI> endpoint;
  private final String clientId;
  private final String clientSecret;
  private final ClientAuthentication clientAuthentication;
  private final boolean signedResponseRequired;

  private Introspection(Optional<URI> endpoint, String clientId, String clientSecret,
      ClientAuthentication clientAuthentication, boolean signedResponseRequired) {
    this.endpoint = endpoint;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.clientAuthentication = clientAuthentication;
    this.signedResponseRequired = signedResponseRequired;
  }

  /**
   * Introspection as the client {@code clientId} with {@code clientSecret}, by {@link
   * ClientAuthentication#CLIENT_SECRET_BASIC}, at the {@code introspection_endpoint} the issuer's metadata names.
   *
   * @throws IllegalArgumentException naming the setting, when either is blank
   */
  public static Introspection withClient(String clientId, String clientSecret) {
    requireNonNull(clientId, "introspection-client-id");
    requireNonNull(clientSecret, "introspection-client-secret");
    if (clientId.isBlank()) {
      throw new IllegalArgumentException("Setting 'introspection-client-id' must not be blank");
    }
    if (clientSecret.isEmpty()) {
      throw new IllegalArgumentException("Setting 'introspection-client-secret' must not be empty");
    }
    return new Introspection(Optional.empty(), clientId.strip(), clientSecret, ClientAuthentication.CLIENT_SECRET_BASIC,
        false);
  }

  /**
   * This introspection at {@code uri} instead of the endpoint in the issuer's metadata.
   *
   * @throws IllegalArgumentException when {@code uri} is not an absolute http(s) URL without user info or fragment
   */
  public Introspection withEndpoint(URI uri) {
    requireNonNull(uri, "introspection-endpoint");
    String scheme = uri.getScheme();
    if (!uri.isAbsolute() || uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null
        || !("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme))) {
      throw new IllegalArgumentException("Setting 'introspection-endpoint' must be an absolute http(s) URL without"
          + " user info or fragment, such as https://login.example.com/oauth2/introspect, was '" + uri + "'");
    }
    return new Introspection(Optional.of(uri), clientId, clientSecret, clientAuthentication, signedResponseRequired);
  }

  /** This introspection with another client authentication method. */
  public Introspection withClientAuthentication(ClientAuthentication method) {
    return new Introspection(endpoint, clientId, clientSecret,
        requireNonNull(method, "introspection-client-authentication"), signedResponseRequired);
  }

  /**
   * This introspection asking for signed answers only (RFC 9701, setting {@code introspection-require-signed}):
   * requests send {@code Accept: application/token-introspection+jwt}, and an answer that is not a JWT signed with
   * one of the issuer's keys (from its JWKS, as tokens are), of {@code typ} {@code token-introspection+jwt}, naming
   * the issuer as {@code iss}, this API's client id in {@code aud}, and an {@code iat} within the clock skew of now,
   * is a failed call (503). Default false: plain JSON answers are accepted, and a signed one is verified all the same.
   */
  public Introspection withSignedResponseRequired(boolean required) {
    return new Introspection(endpoint, clientId, clientSecret, clientAuthentication, required);
  }

  /** Whether only signed answers (RFC 9701) are accepted. */
  public boolean signedResponseRequired() {
    return signedResponseRequired;
  }

  /** The endpoint when set; empty when it is read from the issuer's metadata ({@code introspection_endpoint}). */
  public Optional<URI> endpoint() {
    return endpoint;
  }

  /** The client id this API authenticates with. */
  public String clientId() {
    return clientId;
  }

  /** The client secret this API authenticates with; never logged. */
  public String clientSecret() {
    return clientSecret;
  }

  /** How the client id and secret are sent. */
  public ClientAuthentication clientAuthentication() {
    return clientAuthentication;
  }

  /** Names the endpoint, client and method; the secret is masked. */
  @Override
  public String toString() {
    return "Introspection[endpoint=" + endpoint.map(URI::toString).orElse("(discovered)") + ", client-id=" + clientId
        + ", client-secret=(set), client-authentication=" + clientAuthentication.settingValue()
        + (signedResponseRequired ? ", require-signed=true" : "") + "]";
  }
}
