package dev.tokengate.redis;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/** A DPoP client's key: tokens bound to it by the test issuer, and a fresh ES256 proof per request (Nimbus). */
final class Proofs {
  private final ECKey key;

  Proofs() {
    try {
      this.key = new ECKeyGenerator(Curve.P_256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A token of {@code issuer} with {@code cnf.jkt} naming this key. */
  String boundToken(TestIssuer issuer) {
    try {
      return issuer.token().claim("cnf", Map.of("jkt", key.computeThumbprint("SHA-256").toString())).sign();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new proof (its own jti) for {@code method} on {@code htu}, bound to {@code token}. */
  String proof(String method, String htu, String token) {
    try {
      JWTClaimsSet claims = new JWTClaimsSet.Builder()
          .jwtID(UUID.randomUUID().toString())
          .claim("htm", method)
          .claim("htu", htu)
          .issueTime(new Date())
          .claim("ath", Base64URL.encode(MessageDigest.getInstance("SHA-256")
              .digest(token.getBytes(StandardCharsets.US_ASCII))).toString())
          .build();
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
          .type(new JOSEObjectType("dpop+jwt")).jwk(key.toPublicJWK()).build(), claims);
      jwt.sign(new ECDSASigner(key));
      return jwt.serialize();
    } catch (JOSEException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
