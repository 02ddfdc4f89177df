package dev.tokengate.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.EdECPublicKey;
import java.util.Arrays;

/** A key the tests sign with, and whose public half a {@link JwksServer} publishes. */
public final class SigningKey {
  private final JWK privateJwk;
  private final JWSAlgorithm algorithm;
  private final JWSSigner signer;

  private SigningKey(JWK privateJwk, JWSAlgorithm algorithm, JWSSigner signer) {
    this.privateJwk = privateJwk;
    this.algorithm = algorithm;
    this.signer = signer;
  }

  /** A new RSA 2048 key for RS256. */
  public static SigningKey rsa(String kid) {
    return rsa(kid, 2048, JWSAlgorithm.RS256);
  }

  /** A new RSA key of the given size for an RS or PS algorithm. Sizes under 2048 are allowed, to test refusal. */
  public static SigningKey rsa(String kid, int bits, JWSAlgorithm algorithm) {
    try {
      RSAKey key = new RSAKeyGenerator(bits, true).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
      return new SigningKey(key, algorithm, new RSASSASigner(key.toPrivateKey(), true));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new EC P-256 key for ES256. */
  public static SigningKey ec256(String kid) {
    try {
      ECKey key = new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
      return new SigningKey(key, JWSAlgorithm.ES256, new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new Ed25519 key for EdDSA, signed through the JDK's own provider. */
  public static SigningKey ed25519(String kid) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(rawPublic(pair)))
          .d(Base64URL.encode(rawPrivate(pair)))
          .keyID(kid)
          .keyUse(KeyUse.SIGNATURE)
          .build();
      return new SigningKey(jwk, JWSAlgorithm.EdDSA, new JcaEd25519Signer(pair.getPrivate()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An HMAC key for HS256 from a shared secret (never published in a JWKS). */
  public static SigningKey hmac(byte[] secret, JWSAlgorithm algorithm) {
    try {
      return new SigningKey(null, algorithm, new MACSigner(secret));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public String kid() {
    return privateJwk == null ? null : privateJwk.getKeyID();
  }

  public JWSAlgorithm algorithm() {
    return algorithm;
  }

  public JWSSigner signer() {
    return signer;
  }

  /** The public JWK, as a JWKS publishes it. */
  public JWK publicJwk() {
    return privateJwk.toPublicJWK();
  }

  /** The private JWK, for tests that build unusual keys from it. */
  public JWK privateJwk() {
    return privateJwk;
  }

  private static byte[] rawPublic(KeyPair pair) {
    // X.509 SubjectPublicKeyInfo of Ed25519 is a fixed 12-byte prefix followed by the 32-byte key.
    byte[] encoded = pair.getPublic().getEncoded();
    if (!(pair.getPublic() instanceof EdECPublicKey)) {
      throw new IllegalStateException("not an EdEC key");
    }
    return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
  }

  private static byte[] rawPrivate(KeyPair pair) {
    // PKCS#8 of Ed25519 ends with an OCTET STRING holding the 32-byte seed.
    byte[] encoded = pair.getPrivate().getEncoded();
    return Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
  }
}
