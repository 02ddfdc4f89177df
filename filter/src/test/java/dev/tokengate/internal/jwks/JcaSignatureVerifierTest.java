package dev.tokengate.internal.jwks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pooled JCA verifier answers exactly as Nimbus's own verifiers would: a good signature verifies, any other does
 * not, and a signature that made the JDK throw never leaves a broken {@code Signature} in the pool for the next token.
 */
class JcaSignatureVerifierTest {
  private static final RSAKey RSA = generateRsa();
  private static final ECKey EC_256 = generateEc(Curve.P_256);
  private static final ECKey EC_384 = generateEc(Curve.P_384);

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "RS512", "PS256", "PS384", "ES256", "ES384"})
  void goodSignatures_verify_andEveryOtherSignatureIsRefused_withoutPoisoningThePool(String alg) throws Exception {
    JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
    JcaSignatureVerifier verifier = verifierFor(algorithm);
    JWSObject token = sign(algorithm, "{\"client_id\":\"orders-service\"}");
    JWSObject other = sign(algorithm, "{\"client_id\":\"another\"}");
    byte[] signed = token.getSigningInput();
    byte[] good = token.getSignature().decode();

    assertThat(verifier.verify(token.getHeader(), signed, token.getSignature())).isTrue();
    assertThat(verifier.verify(token.getHeader(), other.getSigningInput(), token.getSignature()))
        .as("the signature of another input").isFalse();
    byte[] flipped = good.clone();
    flipped[flipped.length / 2] ^= 1;
    List<byte[]> bad = List.of(flipped, new byte[good.length], new byte[0], new byte[good.length + 1],
        java.util.Arrays.copyOf(good, good.length - 1));
    for (byte[] signature : bad) {
      assertThat(verifier.verify(token.getHeader(), signed, Base64URL.encode(signature))).isFalse();
      // The next good token still verifies: no Signature left mid-operation in the pool.
      assertThat(verifier.verify(token.getHeader(), signed, token.getSignature())).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"RS256", "PS256", "ES256"})
  void concurrentVerifications_allAnswerCorrectly(String alg) throws Exception {
    JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
    JcaSignatureVerifier verifier = verifierFor(algorithm);
    JWSObject token = sign(algorithm, "{\"client_id\":\"orders-service\"}");
    JWSObject other = sign(algorithm, "{\"client_id\":\"another\"}");
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        boolean genuine = i % 3 != 0;
        Callable<Boolean> check = () -> verifier.verify(token.getHeader(),
            genuine ? token.getSigningInput() : other.getSigningInput(), token.getSignature()) == genuine;
        results.add(threads.submit(check));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get(30, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"ES384", "HS256", "EdDSA"})
  void anAlgorithmTheKeyCannotVerify_isAnError(String alg) throws Exception {
    JcaSignatureVerifier es256 = JcaSignatureVerifier.ec(EC_256.toPublicJWK());
    JWSHeader header = new JWSHeader(JWSAlgorithm.parse(alg));
    assertThatThrownBy(() -> es256.verify(header, "a.b".getBytes(StandardCharsets.US_ASCII), Base64URL.encode("x")))
        .isInstanceOf(JOSEException.class);
    assertThat(es256.supportedJWSAlgorithms()).containsExactly(JWSAlgorithm.ES256);
  }

  private static JcaSignatureVerifier verifierFor(JWSAlgorithm algorithm) throws Exception {
    if (JWSAlgorithm.Family.EC.contains(algorithm)) {
      return JcaSignatureVerifier.ec((algorithm.equals(JWSAlgorithm.ES256) ? EC_256 : EC_384).toPublicJWK());
    }
    return JcaSignatureVerifier.rsa(RSA.toRSAPublicKey());
  }

  private static JWSObject sign(JWSAlgorithm algorithm, String payload) throws JOSEException {
    JWSSigner signer = JWSAlgorithm.Family.EC.contains(algorithm)
        ? new ECDSASigner(algorithm.equals(JWSAlgorithm.ES256) ? EC_256 : EC_384)
        : new RSASSASigner(RSA);
    JWSObject jws = new JWSObject(new JWSHeader(algorithm), new Payload(payload));
    jws.sign(signer);
    return jws;
  }

  private static RSAKey generateRsa() {
    try {
      return new RSAKeyGenerator(2048).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ECKey generateEc(Curve curve) {
    try {
      return new ECKeyGenerator(curve).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
