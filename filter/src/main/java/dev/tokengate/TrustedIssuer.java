package dev.tokengate;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One issuer whose tokens are accepted, with its own audiences and JWKS, for configurations that trust several
 * issuers. Add each with {@link TokenGateConfig.Builder#trustedIssuer(TrustedIssuer)}; the single-issuer settings
 * {@code issuer}, {@code audiences} and {@code jwks-uri} stay the simple way to trust one.
 *
 * <p>As settings, entry {@code N} is written {@code issuers[N].issuer}, {@code issuers[N].audiences}, {@code
 * issuers[N].jwks-uri}, {@code issuers[N].dpop-mode}, {@code issuers[N].dpop-nonce} and {@code
 * issuers[N].mtls-required}: {@code web.xml} init-params by those names, Spring Boot properties {@code
 * tokengate.issuers[N].issuer} and so on. In code:
 *
 * <pre>{@code
 * TokenGateConfig.builder()
 *     .trustedIssuer(TrustedIssuer.of("https://login.example.com/realms/api", "orders-api"))
 *     .trustedIssuer(TrustedIssuer.of("https://partner.example.net", "orders-api", "partner-gateway")
 *         .withJwksUri(URI.create("https://partner.example.net/keys")))
 *     .build();
 * }</pre>
 *
 * <p>A token's unverified {@code iss} claim only selects among the configured issuers; a token naming any other issuer
 * is rejected before any key is fetched, and keys are never fetched from a URL a token supplies.
 *
 * @param issuer the issuer URL; a token's {@code iss} must equal it exactly
 * @param audiences the audiences accepted from this issuer; when empty, the top-level {@code audiences} apply, or any
 *     audience when {@code allow-any-audience} is {@code true}
 * @param jwksUri the JWKS URL; when empty, discovered from the issuer's metadata
 * @param dpopMode whether this issuer's tokens may or must be DPoP-bound (setting {@code issuers[N].dpop-mode});
 *     {@link DpopMode#OFF} by default
 * @param dpopNonce whether DPoP proofs for this issuer's tokens must carry a nonce this server issued (RFC 9449 §9;
 *     setting {@code issuers[N].dpop-nonce}); {@code false} by default
 * @param mtlsRequired whether this issuer's tokens must be certificate-bound (RFC 8705 §3, a {@code cnf.x5t#S256}
 *     claim; setting {@code issuers[N].mtls-required}); {@code false} by default. A certificate-bound token is held
 *     to the request's TLS client certificate whatever this says; this refuses the tokens that are not bound.
 */
public record TrustedIssuer(String issuer, List<String> audiences, Optional<URI> jwksUri, DpopMode dpopMode,
    boolean dpopNonce, boolean mtlsRequired) {
  /** Checks each component; the messages name the setting, e.g. {@code issuer}. */
  public TrustedIssuer {
    requireNonNull(issuer, "issuer");
    requireNonNull(dpopMode, "dpopMode");
    requireNonNull(audiences, "audiences");
    requireNonNull(jwksUri, "jwksUri");
    URI issuerUri = parse("issuer", issuer);
    if (!isHttp(issuerUri)) {
      throw new IllegalArgumentException(
          "'issuer' must be an absolute http(s) URL such as https://login.example.com, was '" + issuer + "'");
    }
    List<String> cleaned = new ArrayList<>(audiences.size());
    for (String audience : audiences) {
      if (audience == null || audience.isBlank()) {
        throw new IllegalArgumentException("'audiences' must not contain an empty audience");
      }
      if (!cleaned.contains(audience.strip())) {
        cleaned.add(audience.strip());
      }
    }
    audiences = List.copyOf(cleaned);
    if (jwksUri.isPresent() && !isHttp(jwksUri.get())) {
      throw new IllegalArgumentException("'jwks-uri' must be an absolute http(s) URL, was '" + jwksUri.get() + "'");
    }
  }

  /** An issuer whose tokens need not be certificate-bound; see the record's components. */
  public TrustedIssuer(String issuer, List<String> audiences, Optional<URI> jwksUri, DpopMode dpopMode,
      boolean dpopNonce) {
    this(issuer, audiences, jwksUri, dpopMode, dpopNonce, false);
  }

  /** An issuer without DPoP ({@link DpopMode#OFF}); see the record's components. */
  public TrustedIssuer(String issuer, List<String> audiences, Optional<URI> jwksUri) {
    this(issuer, audiences, jwksUri, DpopMode.OFF, false, false);
  }

  /** An issuer without DPoP nonces; see the record's components. */
  public TrustedIssuer(String issuer, List<String> audiences, Optional<URI> jwksUri, DpopMode dpopMode) {
    this(issuer, audiences, jwksUri, dpopMode, false, false);
  }

  /** An issuer with these audiences (none: see {@link #audiences()}), its JWKS URL discovered. */
  public static TrustedIssuer of(String issuer, String... audiences) {
    return new TrustedIssuer(issuer, Arrays.asList(audiences), Optional.empty(), DpopMode.OFF, false, false);
  }

  /** This issuer with its JWKS URL set rather than discovered. */
  public TrustedIssuer withJwksUri(URI uri) {
    return new TrustedIssuer(issuer, audiences, Optional.of(requireNonNull(uri, "jwksUri")), dpopMode, dpopNonce,
        mtlsRequired);
  }

  /** This issuer with these audiences instead. */
  public TrustedIssuer withAudiences(List<String> newAudiences) {
    return new TrustedIssuer(issuer, newAudiences, jwksUri, dpopMode, dpopNonce, mtlsRequired);
  }

  /**
   * This issuer with DPoP {@link DpopMode#ALLOWED allowed} or {@link DpopMode#REQUIRED required} for its tokens.
   *
   * @since 0.1.0
   */
  public TrustedIssuer withDpopMode(DpopMode mode) {
    return new TrustedIssuer(issuer, audiences, jwksUri, requireNonNull(mode, "dpopMode"), dpopNonce, mtlsRequired);
  }

  /**
   * This issuer with DPoP proofs required (or not) to carry a nonce this server issued (RFC 9449 §9), see {@link
   * TokenGateConfig.Builder#dpopNonceSecret(byte[])}.
   *
   * @since 0.1.0
   */
  public TrustedIssuer withDpopNonce(boolean required) {
    return new TrustedIssuer(issuer, audiences, jwksUri, dpopMode, required, mtlsRequired);
  }

  /**
   * This issuer with its tokens required (or not) to be certificate-bound (RFC 8705 §3): a token of this issuer
   * without {@code cnf.x5t#S256} is then refused with 401 {@code invalid_token}. Bound tokens are checked against the
   * request's TLS client certificate in any case.
   *
   * @since 0.1.0
   */
  public TrustedIssuer withMtlsRequired(boolean required) {
    return new TrustedIssuer(issuer, audiences, jwksUri, dpopMode, dpopNonce, required);
  }

  private static URI parse(String setting, String value) {
    try {
      return new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + setting + "' must be an http(s) URL, was '" + value + "'");
    }
  }

  private static boolean isHttp(URI uri) {
    String scheme = uri.getScheme();
    return uri.isAbsolute()
        && uri.getHost() != null
        && ("https".equalsIgnoreCase(scheme) || "http".equalsIgnoreCase(scheme));
  }
}
