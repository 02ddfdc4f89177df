package dev.tokengate.internal.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.internal.jwks.JcaEd25519Verifier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The stateless checks of RFC 9449 §4.3 on one DPoP proof, in the RFC's order: one JWT, {@code typ dpop+jwt}, an
 * allow-listed asymmetric {@code alg}, a public {@code jwk} in the header, the signature by that key, {@code jti},
 * {@code htm} and {@code htu} equal to this request, {@code iat} within the window, and {@code ath} equal to the hash
 * of the access token. Nimbus parses, verifies and computes the RFC 7638 thumbprint; nothing here is hand-written
 * crypto. The token's binding ({@code cnf.jkt}) and the replay check are the caller's, since they need the token's
 * claims and the shared store.
 */
final class DpopProofVerifier {
  private static final JOSEObjectType DPOP_JWT = new JOSEObjectType("dpop+jwt");
  private static final int MIN_RSA_BITS = 2048;
  private static final int MAX_JTI_LENGTH = 256;

  /** What a verified proof says: its key's RFC 7638 SHA-256 thumbprint, {@code jti} and {@code iat}. */
  record Proof(String thumbprint, String jti, Instant issuedAt, String nonce) {}

  private final Set<String> algorithms;
  private final Duration maxAge;
  private final Duration clockSkew;
  private final Clock clock;
  private final int maxLength;

  DpopProofVerifier(Set<String> algorithms, Duration maxAge, Duration clockSkew, Clock clock, int maxLength) {
    this.algorithms = Collections.unmodifiableSet(new LinkedHashSet<>(algorithms));
    this.maxAge = maxAge;
    this.clockSkew = clockSkew;
    this.clock = clock;
    this.maxLength = maxLength;
  }

  Proof verify(String proof, String method, String targetUri, String accessToken) throws DpopProofException {
    if (proof.length() > maxLength) {
      throw new DpopProofException("The DPoP proof is too long");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(proof);
    } catch (ParseException e) {
      // Nimbus also refuses here a header jwk that holds private key members.
      throw new DpopProofException("The DPoP proof is not a well-formed signed JWT with a public jwk");
    }
    JWSHeader header = jwt.getHeader();
    if (!DPOP_JWT.equals(header.getType())) {
      throw new DpopProofException("The DPoP proof's typ must be dpop+jwt");
    }
    JWSAlgorithm algorithm = header.getAlgorithm();
    if (!algorithms.contains(algorithm.getName())) {
      throw new DpopProofException("The DPoP proof's alg is not accepted; accepted are " + String.join(" ", algorithms));
    }
    JWK key = header.getJWK();
    if (key == null) {
      throw new DpopProofException("The DPoP proof's header has no jwk");
    }
    if (key.isPrivate()) {
      throw new DpopProofException("The DPoP proof's jwk must be a public key");
    }
    verifySignature(jwt, key, algorithm);
    JWTClaimsSet claims;
    String jti;
    String htm;
    String htu;
    Date iat;
    String ath;
    String nonce;
    try {
      claims = jwt.getJWTClaimsSet();
      jti = claims.getJWTID();
      htm = claims.getStringClaim("htm");
      htu = claims.getStringClaim("htu");
      iat = claims.getIssueTime();
      ath = claims.getStringClaim("ath");
      nonce = claims.getStringClaim("nonce");
    } catch (ParseException e) {
      throw new DpopProofException("The DPoP proof's claims are malformed");
    }
    if (jti == null || jti.isEmpty() || jti.length() > MAX_JTI_LENGTH) {
      throw new DpopProofException("The DPoP proof needs a jti of 1 to " + MAX_JTI_LENGTH + " characters");
    }
    if (!method.equals(htm)) {
      throw new DpopProofException("The DPoP proof's htm does not match the request method");
    }
    String normalized = htu == null ? null : TargetUri.normalize(htu);
    if (normalized == null || !normalized.equals(targetUri)) {
      throw new DpopProofException("The DPoP proof's htu does not match the request URI");
    }
    if (iat == null) {
      throw new DpopProofException("The DPoP proof has no iat");
    }
    Instant issuedAt = iat.toInstant();
    Instant now = clock.instant();
    if (issuedAt.isBefore(now.minus(maxAge))) {
      throw new DpopProofException("The DPoP proof is too old");
    }
    if (issuedAt.isAfter(now.plus(clockSkew))) {
      throw new DpopProofException("The DPoP proof is issued in the future");
    }
    if (ath == null) {
      throw new DpopProofException("The DPoP proof has no ath");
    }
    if (!ath.equals(accessTokenHash(accessToken))) {
      throw new DpopProofException("The DPoP proof's ath does not match the access token");
    }
    String thumbprint;
    try {
      thumbprint = key.computeThumbprint("SHA-256").toString();
    } catch (JOSEException e) {
      throw new DpopProofException("The DPoP proof's jwk has no thumbprint");
    }
    return new Proof(thumbprint, jti, issuedAt, nonce);
  }

  private static void verifySignature(SignedJWT jwt, JWK key, JWSAlgorithm algorithm) throws DpopProofException {
    boolean valid;
    try {
      JWSVerifier verifier;
      if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(algorithm)) {
        verifier = new ECDSAVerifier(ec);
      } else if (key instanceof RSAKey rsa && JWSAlgorithm.Family.RSA.contains(algorithm)) {
        if (rsa.size() < MIN_RSA_BITS) {
          throw new DpopProofException("The DPoP proof's RSA key is shorter than " + MIN_RSA_BITS + " bits");
        }
        verifier = new RSASSAVerifier(rsa);
      } else if (key instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())
          && (JWSAlgorithm.EdDSA.equals(algorithm) || JWSAlgorithm.Ed25519.equals(algorithm))) {
        // The JDK's Ed25519, as for tokens: Nimbus's own Ed25519Verifier would need Google Tink. An OKP key of
        // another curve (X25519 is for key agreement, Ed448 is not supported) does not fit.
        verifier = JcaEd25519Verifier.of(okp);
      } else {
        throw new DpopProofException("The DPoP proof's jwk does not fit its alg");
      }
      // ECDSAVerifier refuses an alg of another curve; both refuse a crit header they do not know.
      valid = jwt.verify(verifier);
    } catch (JOSEException e) {
      valid = false;
    }
    if (!valid) {
      throw new DpopProofException("The DPoP proof's signature is not valid for its jwk");
    }
  }

  /** {@code ath}: the base64url SHA-256 of the access token's ASCII bytes (RFC 9449 §4.2). */
  static String accessTokenHash(String accessToken) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return Base64URL.encode(sha256.digest(accessToken.getBytes(StandardCharsets.US_ASCII))).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
