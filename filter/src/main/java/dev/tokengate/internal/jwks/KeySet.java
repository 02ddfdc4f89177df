package dev.tokengate.internal.jwks;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.internal.log.OperatorLog;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of an issuer's usable signing keys, each already turned into a verifier, so that the hot path
 * is one map lookup and no key parsing.
 *
 * <p>Keys that must never verify a token are left out when the snapshot is built: {@code use=enc} keys, keys whose
 * {@code key_ops} exclude {@code verify}, symmetric keys (a JWKS is public; an HMAC key in it would let anyone sign),
 * RSA keys under 2048 bits, and EC keys on curves no accepted algorithm uses.
 */
public final class KeySet {
  // Key-server trouble reaches the container's log even when no SLF4J provider is bound.
  private static final OperatorLog log = OperatorLog.forClass(KeySet.class);
  private static final int MIN_RSA_BITS = 2048;
  private static final Set<JWSAlgorithm> RSA_ALGORITHMS = Set.of(
      JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);

  /** A verifier, the algorithms its key may be used with, and the key's RFC 7638 thumbprint. */
  record KeyVerifier(String kid, JWSVerifier verifier, Set<JWSAlgorithm> algorithms, String thumbprint) {}

  private final Map<String, List<JWSVerifier>> byKidAndAlgorithm;
  private final Map<JWSAlgorithm, List<JWSVerifier>> byAlgorithm;
  private final Set<String> kids;
  private final List<KeyVerifier> keys;
  /** The verifiers by identity: a cached token is still good only while the very verifier that checked it is here. */
  private final Set<JWSVerifier> verifiers;
  private final List<String> rejected;
  private final int size;

  private KeySet(List<KeyVerifier> keys, List<String> rejected) {
    Map<String, List<JWSVerifier>> byKid = new HashMap<>();
    Map<JWSAlgorithm, List<JWSVerifier>> byAlg = new HashMap<>();
    Set<String> kidSet = new LinkedHashSet<>();
    Set<JWSVerifier> identities = Collections.newSetFromMap(new IdentityHashMap<>());
    for (KeyVerifier key : keys) {
      identities.add(key.verifier());
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
    this.keys = List.copyOf(keys);
    this.verifiers = identities;
    this.rejected = List.copyOf(rejected);
    this.size = keys.size();
  }

  /** Builds a snapshot from a parsed JWKS, keeping only keys usable with one of {@code accepted}. */
  public static KeySet of(JWKSet jwks, Set<JWSAlgorithm> accepted) {
    return of(jwks.getKeys(), List.of(), accepted, null);
  }

  /**
   * Builds a snapshot from a JWKS document, key by key: an entry that does not parse (an EC point off its curve,
   * {@code use} contradicting {@code key_ops}, a missing member) is left out and named in {@link #rejected()}, and the
   * other keys serve. A key whose material, {@code kid} and algorithms are those of a key in {@code previous} keeps
   * that key's verifier, so that tokens it verified stay cached across refreshes.
   *
   * @throws ParseException when the document is not a JSON object with a {@code keys} array
   */
  public static KeySet parse(String document, Set<JWSAlgorithm> accepted, KeySet previous) throws ParseException {
    Map<String, Object> json = JSONObjectUtils.parse(document);
    List<Object> entries;
    try {
      entries = JSONObjectUtils.getJSONArray(json, "keys");
    } catch (ParseException e) {
      throw new ParseException("the keys member is not an array", 0);
    }
    if (entries == null) {
      throw new ParseException("no keys member", 0);
    }
    List<JWK> parsed = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    for (Object entry : entries) {
      if (!(entry instanceof Map<?, ?> map)) {
        rejected.add("kid=- : not a JSON object");
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> members = (Map<String, Object>) map;
      try {
        parsed.add(JWK.parse(members));
      } catch (ParseException | RuntimeException e) {
        rejected.add("kid=" + loggable(members.get("kid")) + ": " + e.getMessage());
      }
    }
    return of(parsed, rejected, accepted, previous);
  }

  private static KeySet of(List<JWK> jwks, List<String> rejected, Set<JWSAlgorithm> accepted, KeySet previous) {
    List<KeyVerifier> usable = new ArrayList<>();
    for (JWK jwk : jwks) {
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
        String thumbprint = jwk.computeThumbprint().toString();
        KeyVerifier same = previous == null ? null : previous.find(jwk.getKeyID(), thumbprint, algorithms);
        usable.add(same != null ? same
            : new KeyVerifier(jwk.getKeyID(), verifierFor(jwk), Set.copyOf(algorithms), thumbprint));
      } catch (JOSEException | RuntimeException e) {
        rejected.add("kid=" + loggable(jwk.getKeyID()) + ": " + e.getMessage());
      }
    }
    return new KeySet(usable, rejected);
  }

  private KeyVerifier find(String kid, String thumbprint, Set<JWSAlgorithm> algorithms) {
    for (KeyVerifier key : keys) {
      if (key.thumbprint().equals(thumbprint) && java.util.Objects.equals(key.kid(), kid)
          && key.algorithms().equals(algorithms)) {
        return key;
      }
    }
    return null;
  }

  /** Whether this very verifier (by identity, not by kid) is one of this snapshot's. */
  public boolean containsVerifier(JWSVerifier verifier) {
    return verifiers.contains(verifier);
  }

  /** The entries of the document that did not parse, each as "kid=...: reason"; they are not used. */
  public List<String> rejected() {
    return rejected;
  }

  /** The keys' RFC 7638 thumbprints, e.g. to tell which keys a refresh removed when the set has no kids. */
  Set<String> thumbprints() {
    Set<String> thumbprints = new LinkedHashSet<>();
    keys.forEach(key -> thumbprints.add(key.thumbprint()));
    return thumbprints;
  }

  /** A kid is the key server's text: logged only when it looks like an identifier. */
  private static String loggable(Object kid) {
    if (!(kid instanceof String text)) {
      return "-";
    }
    return text.length() <= 64 && text.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? text : "(unprintable)";
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
      return JcaSignatureVerifier.rsa(rsa.toRSAPublicKey());
    }
    if (jwk instanceof ECKey ec) {
      return JcaSignatureVerifier.ec(ec.toPublicJWK());
    }
    return JcaEd25519Verifier.of((OctetKeyPair) jwk);
  }
}
