package dev.tokengate.testing;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.opts.AllowWeakRSAKey;
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
import java.security.PublicKey;
import java.security.interfaces.EdECPublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * A key that tokens are signed with, and whose public half a {@link JwksServer} publishes.
 *
 * <p>Algorithms are named as JOSE names them ({@code "RS256"}, {@code "PS384"}, {@code "ES256"}, {@code "EdDSA"},
 * {@code "HS256"}). Every factory generates a fresh key; keys are immutable and thread-safe.
 */
public final class SigningKey {
  private static final Set<String> RSA_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512");
  private static final Map<String, Curve> EC_CURVES =
      Map.of("ES256", Curve.P_256, "ES384", Curve.P_384, "ES512", Curve.P_521);
  private static final Set<String> HMAC_ALGORITHMS = Set.of("HS256", "HS384", "HS512");

  private final JWK privateJwk;
  private final JWSAlgorithm algorithm;
  private final JWSSigner signer;
  private final PublicKey publicKey;

  private SigningKey(JWK privateJwk, JWSAlgorithm algorithm, JWSSigner signer, PublicKey publicKey) {
    this.privateJwk = privateJwk;
    this.algorithm = algorithm;
    this.signer = signer;
    this.publicKey = publicKey;
  }

  /**
   * A new RSA 2048 key for RS256.
   *
   * @param kid the key id, published in the JWKS and sent in each token's {@code kid} header
   * @return the key
   */
  public static SigningKey rsa(String kid) {
    return rsa(kid, 2048, "RS256");
  }

  /**
   * A new RSA key of the given size for an RS or PS algorithm. Sizes under 2048 bits are allowed, to test that a
   * validator refuses them.
   *
   * @param kid the key id
   * @param bits the modulus size, at least 512
   * @param algorithm one of {@code RS256 RS384 RS512 PS256 PS384 PS512}
   * @return the key
   * @throws IllegalArgumentException if the algorithm is not an RSA signature algorithm
   */
  public static SigningKey rsa(String kid, int bits, String algorithm) {
    requireNonNull(algorithm, "algorithm");
    if (!RSA_ALGORITHMS.contains(algorithm)) {
      throw new IllegalArgumentException("algorithm must be one of " + RSA_ALGORITHMS + ", was " + algorithm);
    }
    try {
      RSAKey key = new RSAKeyGenerator(bits, true).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
      // Short keys are allowed on purpose: a test may sign with one to see the API refuse it.
      JWSSigner signer = new RSASSASigner(key.toPrivateKey(), Set.of(AllowWeakRSAKey.getInstance()));
      return new SigningKey(key, JWSAlgorithm.parse(algorithm), signer, key.toPublicKey());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A new EC P-256 key for ES256.
   *
   * @param kid the key id
   * @return the key
   */
  public static SigningKey ec256(String kid) {
    return ec(kid, "ES256");
  }

  /**
   * A new EC key on the curve the algorithm names: P-256 for ES256, P-384 for ES384, P-521 for ES512.
   *
   * @param kid the key id
   * @param algorithm one of {@code ES256 ES384 ES512}
   * @return the key
   * @throws IllegalArgumentException if the algorithm is not an ECDSA algorithm
   */
  public static SigningKey ec(String kid, String algorithm) {
    requireNonNull(algorithm, "algorithm");
    Curve curve = EC_CURVES.get(algorithm);
    if (curve == null) {
      throw new IllegalArgumentException("algorithm must be one of " + EC_CURVES.keySet() + ", was " + algorithm);
    }
    try {
      ECKey key = new ECKeyGenerator(curve).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
      return new SigningKey(key, JWSAlgorithm.parse(algorithm), new ECDSASigner(key), key.toPublicKey());
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A new Ed25519 key for EdDSA, signed through the JDK's own provider.
   *
   * @param kid the key id
   * @return the key
   */
  public static SigningKey ed25519(String kid) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(rawPublic(pair)))
          .d(Base64URL.encode(rawPrivate(pair)))
          .keyID(kid)
          .keyUse(KeyUse.SIGNATURE)
          .build();
      return new SigningKey(jwk, JWSAlgorithm.EdDSA, new JcaEd25519Signer(pair.getPrivate()), pair.getPublic());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * An HMAC key from a shared secret. It has no public half and no key id, and is never published in a JWKS: an API
   * that accepts tokens signed with it has a hole, which is what tests of this key are for.
   *
   * @param secret the secret, at least as long as the hash (32 bytes for HS256)
   * @param algorithm one of {@code HS256 HS384 HS512}
   * @return the key
   */
  public static SigningKey hmac(byte[] secret, String algorithm) {
    requireNonNull(secret, "secret");
    requireNonNull(algorithm, "algorithm");
    if (!HMAC_ALGORITHMS.contains(algorithm)) {
      throw new IllegalArgumentException("algorithm must be one of " + HMAC_ALGORITHMS + ", was " + algorithm);
    }
    try {
      return new SigningKey(null, JWSAlgorithm.parse(algorithm), new MACSigner(secret), null);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("secret is too short for " + algorithm + ": " + e.getMessage(), e);
    }
  }

  /**
   * The key id, or {@code null} for an HMAC key.
   *
   * @return the key id
   */
  public String kid() {
    return privateJwk == null ? null : privateJwk.getKeyID();
  }

  /**
   * The JOSE name of the algorithm this key signs with by default, e.g. {@code "RS256"}.
   *
   * @return the algorithm name
   */
  public String algorithm() {
    return algorithm.getName();
  }

  /**
   * The public key, e.g. to verify a token in a test.
   *
   * @return the public key
   * @throws IllegalStateException for an HMAC key, which has none
   */
  public PublicKey publicKey() {
    if (publicKey == null) {
      throw new IllegalStateException("an HMAC key has no public key");
    }
    return publicKey;
  }

  /**
   * The public JWK as JSON members, as a JWKS publishes it (e.g. {@code kty}, {@code kid}, {@code use}, {@code n},
   * {@code e}). The map is a copy: change it freely to build a broken key for {@link JwksServer#publishJwks}.
   *
   * @return the public JWK
   * @throws IllegalStateException for an HMAC key, which is never published
   */
  public Map<String, Object> publicJwk() {
    if (privateJwk == null) {
      throw new IllegalStateException("an HMAC key has no public JWK");
    }
    return privateJwk.toPublicJWK().toJSONObject();
  }

  /**
   * Signs the JWS signing input ({@code BASE64URL(header) '.' BASE64URL(payload)}, as ASCII bytes).
   *
   * @param signingInput the bytes to sign
   * @return the raw signature, as it goes (base64url-encoded) in the token's third part
   */
  public byte[] sign(byte[] signingInput) {
    try {
      return signer.sign(new JWSHeader(algorithm), signingInput).decode();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign with " + algorithm, e);
    }
  }

  /** The Nimbus signer, for the kit itself and {@code dev.tokengate.testing.internal}. */
  JWSSigner signer() {
    return signer;
  }

  /** The Nimbus algorithm, for the kit itself. */
  JWSAlgorithm jwsAlgorithm() {
    return algorithm;
  }

  @Override
  public String toString() {
    return "SigningKey[" + algorithm + ", kid=" + kid() + "]";
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
