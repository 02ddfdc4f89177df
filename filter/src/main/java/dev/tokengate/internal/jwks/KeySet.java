package dev.tokengate.internal.jwks;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An immutable snapshot of an issuer's usable signing keys, each already turned into a verifier, so that the hot path
 * is one map lookup and no key parsing.
 *
 * <p>Keys that must never verify a token are left out when the snapshot is built: {@code use=enc} keys, keys whose
 * {@code key_ops} exclude {@code verify}, symmetric keys (a JWKS is public; an HMAC key in it would let anyone sign),
 * RSA keys under 2048 bits, and EC keys on curves no accepted algorithm uses.
 */
public final class KeySet {
  private static final Logger log = LoggerFactory.getLogger(KeySet.class);
  private static final int MIN_RSA_BITS = 2048;
  private static final Set<JWSAlgorithm> RSA_ALGORITHMS = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);

  /** A verifier and the algorithms its key may be used with. */
  record KeyVerifier(String kid, JWSVerifier verifier, Set<JWSAlgorithm> algorithms) {}

  private final Map<String, List<JWSVerifier>> byKidAndAlgorithm;
  private final Map<JWSAlgorithm, List<JWSVerifier>> byAlgorithm;
  private final Set<String> kids;
  private final int size;

  private KeySet(List<KeyVerifier> keys) {
    Map<String, List<JWSVerifier>> byKid = new HashMap<>();
    Map<JWSAlgorithm, List<JWSVerifier>> byAlg = new HashMap<>();
    Set<String> kidSet = new LinkedHashSet<>();
    for (KeyVerifier key : keys) {
      if (key.kid() != null) {
        kidSet.add(key.kid());
      }
      for (JWSAlgorithm algorithm : key.algorithms()) {
        if (key.kid() != null) {
          byKid.computeIfAbsent(kidKey(key.kid(), algorithm), k -> new ArrayList<>(1)).add(key.verifier());
        }
        byAlg.computeIfAbsent(algorithm, k -> new ArrayList<>(2)).add(key.verifier());
      }
    }
    byKid.replaceAll((k, v) -> List.copyOf(v));
    byAlg.replaceAll((k, v) -> List.copyOf(v));
    this.byKidAndAlgorithm = byKid;
    this.byAlgorithm = byAlg;
    this.kids = Collections.unmodifiableSet(kidSet);
    this.size = keys.size();
  }

  /** Builds a snapshot from a parsed JWKS, keeping only keys usable with one of {@code accepted}. */
  public static KeySet of(JWKSet jwks, Set<JWSAlgorithm> accepted) {
    List<KeyVerifier> usable = new ArrayList<>();
    for (JWK jwk : jwks.getKeys()) {
      String reason = unusableReason(jwk);
      if (reason != null) {
        log.debug("Ignoring JWKS key kid={}: {}", jwk.getKeyID(), reason);
        continue;
      }
      Set<JWSAlgorithm> algorithms = new LinkedHashSet<>(algorithmsFor(jwk));
      algorithms.retainAll(accepted);
      if (algorithms.isEmpty()) {
        log.debug("Ignoring JWKS key kid={}: no accepted algorithm fits it", jwk.getKeyID());
        continue;
      }
      try {
        usable.add(new KeyVerifier(jwk.getKeyID(), verifierFor(jwk), Set.copyOf(algorithms)));
      } catch (JOSEException | RuntimeException e) {
        log.debug("Ignoring JWKS key kid={}: {}", jwk.getKeyID(), e.getMessage());
      }
    }
    return new KeySet(usable);
  }

  /**
   * The verifiers to try for a token with this header: the key with the header's {@code kid} when it has one, else
   * every key that fits the header's algorithm.
   */
  public List<JWSVerifier> candidates(JWSHeader header) {
    String kid = header.getKeyID();
    if (kid != null) {
      return byKidAndAlgorithm.getOrDefault(kidKey(kid, header.getAlgorithm()), List.of());
    }
    return byAlgorithm.getOrDefault(header.getAlgorithm(), List.of());
  }

  /** Whether a usable key has this {@code kid}. */
  public boolean containsKid(String kid) {
    return kids.contains(kid);
  }

  /** The {@code kid}s of the usable keys. */
  public Set<String> kids() {
    return kids;
  }

  /** How many usable keys the snapshot holds. */
  public int size() {
    return size;
  }

  private static String kidKey(String kid, JWSAlgorithm algorithm) {
    return algorithm.getName() + ' ' + kid;
  }

  private static String unusableReason(JWK jwk) {
    if (jwk.isPrivate()) {
      // Still only the public half is used, but a JWKS that leaks private keys deserves a louder note.
      log.warn("The JWKS publishes a private key (kid={}); only its public part is used", jwk.getKeyID());
    }
    if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
      return "use=" + jwk.getKeyUse().identifier();
    }
    if (jwk.getKeyOperations() != null && !jwk.getKeyOperations().contains(KeyOperation.VERIFY)) {
      return "key_ops excludes verify";
    }
    if (jwk instanceof RSAKey rsa && rsa.size() < MIN_RSA_BITS) {
      return "RSA key of " + rsa.size() + " bits, under " + MIN_RSA_BITS;
    }
    if (!(jwk instanceof RSAKey || jwk instanceof ECKey || jwk instanceof OctetKeyPair)) {
      return "key type " + jwk.getKeyType() + " is not used for verification";
    }
    return null;
  }

  private static Set<JWSAlgorithm> algorithmsFor(JWK jwk) {
    Set<JWSAlgorithm> byType;
    if (jwk instanceof RSAKey) {
      byType = RSA_ALGORITHMS;
    } else if (jwk instanceof ECKey ec) {
      Curve curve = ec.getCurve();
      byType = Curve.P_256.equals(curve) ? Set.of(JWSAlgorithm.ES256)
          : Curve.P_384.equals(curve) ? Set.of(JWSAlgorithm.ES384)
          : Curve.P_521.equals(curve) ? Set.of(JWSAlgorithm.ES512)
          : Set.of();
    } else if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
      byType = Set.of(JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    } else {
      byType = Set.of();
    }
    Algorithm declared = jwk.getAlgorithm();
    if (declared == null) {
      return byType;
    }
    // A key that names its algorithm is used with that algorithm only (RFC 7517 §4.4).
    JWSAlgorithm named = JWSAlgorithm.parse(declared.getName());
    return byType.contains(named) ? Set.of(named) : Set.of();
  }

  private static JWSVerifier verifierFor(JWK jwk) throws JOSEException {
    if (jwk instanceof RSAKey rsa) {
      return new RSASSAVerifier(rsa.toRSAPublicKey());
    }
    if (jwk instanceof ECKey ec) {
      return new ECDSAVerifier(ec.toPublicJWK());
    }
    return JcaEd25519Verifier.of((OctetKeyPair) jwk);
  }
}
