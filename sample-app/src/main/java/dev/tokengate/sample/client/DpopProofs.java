package dev.tokengate.sample.client;

import static java.nio.charset.StandardCharsets.US_ASCII;

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
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client's DPoP key (RFC 9449) and the proofs it signs with it, with Nimbus: a P-256 key made when the client
 * starts and never sent anywhere but as the public {@code jwk} of its proofs, so a stolen token is worthless without
 * it. Each proof is new (its own {@code jti}), names the request ({@code htm}, {@code htu} without query and
 * fragment), and, towards an API, the token ({@code ath}, its SHA-256). A server that asks for nonces (§8, §9) gets
 * its latest one back in every later proof to it.
 */
public final class DpopProofs {
  private final ECKey key;
  private final Clock clock;
  /** The latest {@code DPoP-Nonce} of each server, by origin (scheme://host:port). */
  private final Map<String, String> nonces = new ConcurrentHashMap<>();

  private DpopProofs(ECKey key, Clock clock) {
    this.key = key;
    this.clock = clock;
  }

  /** A new key. */
  public static DpopProofs generate(Clock clock) {
    try {
      return new DpopProofs(new ECKeyGenerator(Curve.P_256).generate(), clock);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot make a P-256 key", e);
    }
  }

  /** The key's RFC 7638 thumbprint: what a bound token carries in {@code cnf.jkt}. */
  public String thumbprint() {
    try {
      return key.computeThumbprint("SHA-256").toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A new proof for {@code method} on {@code uri}.
   *
   * @param accessToken the token the request carries, hashed into {@code ath}; {@code null} for a token request
   */
  public String proof(String method, URI uri, String accessToken) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .jwtID(UUID.randomUUID().toString())
        .claim("htm", method)
        .claim("htu", htu(uri))
        .issueTime(Date.from(clock.instant()));
    if (accessToken != null) {
      claims.claim("ath", ath(accessToken));
    }
    String nonce = nonces.get(origin(uri));
    if (nonce != null) {
      claims.claim("nonce", nonce);
    }
    SignedJWT proof = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
        .type(new JOSEObjectType("dpop+jwt")).jwk(key.toPublicJWK()).build(), claims.build());
    try {
      proof.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a DPoP proof", e);
    }
    return proof.serialize();
  }

  /** Remembers the nonce a server sent in {@code DPoP-Nonce}, for the next proofs to it. */
  public void nonce(URI uri, String nonce) {
    nonces.put(origin(uri), nonce);
  }

  private static String htu(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  private static String origin(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  private static String ath(String accessToken) {
    try {
      return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(US_ASCII)))
          .toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
