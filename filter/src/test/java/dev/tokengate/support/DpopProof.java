package dev.tokengate.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.crypto.opts.AllowWeakRSAKey;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Makes real DPoP proofs (RFC 9449 §4.2) signed by Nimbus, with any header or claim bent the way a test needs: the
 * texts are written as given and signed as they are, so that even headers Nimbus's builder would refuse (a private
 * {@code jwk}) can be sent.
 */
public final class DpopProof {
  private final JWK signingKey;
  private final Map<String, Object> header = new LinkedHashMap<>();
  private final Map<String, Object> claims = new LinkedHashMap<>();

  private DpopProof(JWK signingKey) {
    this.signingKey = signingKey;
    header.put("typ", "dpop+jwt");
    header.put("alg", signingKey instanceof RSAKey ? "PS256" : "ES256");
    header.put("jwk", signingKey.toPublicJWK().toJSONObject());
  }

  /** A client key: P-256. */
  public static ECKey ecKey() {
    try {
      return new ECKeyGenerator(Curve.P_256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A client key on another curve. */
  public static ECKey ecKey(Curve curve) {
    try {
      return new ECKeyGenerator(curve).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A client key: RSA of this size. */
  public static RSAKey rsaKey(int bits) {
    try {
      return new RSAKeyGenerator(bits, true).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The RFC 7638 SHA-256 thumbprint of {@code key}, as a token's {@code cnf.jkt}. */
  public static String thumbprint(JWK key) {
    try {
      return key.computeThumbprint("SHA-256").toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code ath} of a token. */
  public static String ath(String accessToken) {
    try {
      return Base64URL.encode(MessageDigest.getInstance("SHA-256")
          .digest(accessToken.getBytes(StandardCharsets.US_ASCII))).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A valid proof for this request, issued now, with a fresh {@code jti}. */
  public static DpopProof of(JWK key, String method, String uri, String accessToken) {
    DpopProof proof = new DpopProof(key);
    proof.claims.put("jti", UUID.randomUUID().toString());
    proof.claims.put("htm", method);
    proof.claims.put("htu", uri);
    proof.claims.put("iat", Instant.now().getEpochSecond());
    proof.claims.put("ath", ath(accessToken));
    return proof;
  }

  /** Sets (or, with {@code null}, removes) a header parameter. */
  public DpopProof header(String name, Object value) {
    if (value == null) {
      header.remove(name);
    } else {
      header.put(name, value);
    }
    return this;
  }

  /** Sets (or, with {@code null}, removes) a claim. */
  public DpopProof claim(String name, Object value) {
    if (value == null) {
      claims.remove(name);
    } else {
      claims.put(name, value);
    }
    return this;
  }

  public DpopProof issuedAt(Instant iat) {
    return claim("iat", iat.getEpochSecond());
  }

  /** Signs with the proof's key, whatever the header says. */
  public String sign() {
    return signWith(signingKey);
  }

  /** Signs with another key (the header's {@code jwk} unchanged), for a signature that does not fit. */
  public String signWith(JWK key) {
    String input = b64(JSONObjectUtils.toJSONString(header)) + "." + b64(JSONObjectUtils.toJSONString(claims));
    try {
      JWSAlgorithm algorithm = JWSAlgorithm.parse(String.valueOf(header.getOrDefault("alg", "ES256")));
      // Nimbus refuses to sign with an RSA key under 2048 bits unless told it is meant: the tests need one.
      JWSSigner signer = key instanceof RSAKey rsa && rsa.size() < 2048
          ? new RSASSASigner(rsa.toPrivateKey(), Set.of(AllowWeakRSAKey.getInstance()))
          : new DefaultJWSSignerFactory().createJWSSigner(key, algorithm);
      Base64URL signature = signer.sign(new JWSHeader(algorithm), input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + signature;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The header and claims with an empty signature, as {@code alg: none} would have them. */
  public String unsigned() {
    return b64(JSONObjectUtils.toJSONString(header)) + "." + b64(JSONObjectUtils.toJSONString(claims)) + ".";
  }

  private static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
