package dev.tokengate;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.CountingServlets;
import dev.tokengate.support.DpopProof;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.TestIssuer;
import jakarta.servlet.http.HttpServlet;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * DPoP proofs by an Ed25519 key ({@code alg} EdDSA or Ed25519, {@code jwk} of {@code kty} OKP), on a real Jetty:
 * accepted once listed in {@code dpop-algorithms} and checked with the JDK's Ed25519 (no Tink); refused when not
 * listed (the default), when the signature or the key does not fit, and when the OKP key is an X25519 one. The
 * proofs are signed here with the JDK's Ed25519, the key pair made by the JDK.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DpopEdDsaTest {
  private static final Map<String, Class<? extends HttpServlet>> SERVLETS =
      Map.of("/files/*", CountingServlets.Files.class);
  private static final String ALGS = "algs=\"ES256 EdDSA Ed25519\"";

  private TestIssuer issuer;
  private TokenValidator validator;
  private TokenValidator defaults;
  private ApiServer api;
  private ApiServer defaultApi;
  private KeyPair pair;
  private OctetKeyPair jwk;

  @BeforeAll
  void start() throws GeneralSecurityException {
    issuer = TestIssuer.start();
    validator = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .dpopMode(DpopMode.ALLOWED).dpopAlgorithms(List.of("ES256", "eddsa", "Ed25519")).build());
    defaults = TokenValidator.create(TokenGateConfig.builder().issuer(issuer.issuer()).audiences("api")
        .dpopMode(DpopMode.ALLOWED).build());
    api = ApiServer.start(validator, SERVLETS);
    defaultApi = ApiServer.start(defaults, SERVLETS);
    Poll.until("keys loaded", () -> validator.health().get(0).keysLoaded() > 0
        && defaults.health().get(0).keysLoaded() > 0);
    pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    // The public key's X.509 encoding ends with the 32 raw bytes RFC 8037 puts in x.
    byte[] spki = pair.getPublic().getEncoded();
    jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32,
        spki.length))).build();
  }

  @AfterAll
  void stop() {
    api.close();
    defaultApi.close();
    validator.close();
    defaults.close();
    issuer.close();
  }

  @BeforeEach
  void clear() {
    CountingServlets.HANDLED.clear();
  }

  private String boundToken(OctetKeyPair key) {
    return issuer.token().claim("cnf", Map.of("jkt", DpopProof.thumbprint(key))).sign();
  }

  /** A proof with this header {@code alg} and {@code jwk}, signed with the JDK's Ed25519 by {@code pair}. */
  private String proof(ApiServer server, String alg, Map<String, Object> headerJwk, String token)
      throws GeneralSecurityException {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("typ", "dpop+jwt");
    header.put("alg", alg);
    header.put("jwk", headerJwk);
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("jti", UUID.randomUUID().toString());
    claims.put("htm", "GET");
    claims.put("htu", server.url("/files/a"));
    claims.put("iat", Instant.now().getEpochSecond());
    claims.put("ath", DpopProof.ath(token));
    String input = Base64URL.encode(JSONObjectUtils.toJSONString(header).getBytes(StandardCharsets.UTF_8)) + "."
        + Base64URL.encode(JSONObjectUtils.toJSONString(claims).getBytes(StandardCharsets.UTF_8));
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(pair.getPrivate());
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + Base64URL.encode(signer.sign());
  }

  private static HttpResponse<String> call(ApiServer server, String token, String proof) {
    return server.send("GET", "/files/a", null, "Authorization", "DPoP " + token, "DPoP", proof);
  }

  private static void assertRefused(HttpResponse<String> response, String algs, String description) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("DPoP realm=\"api\","
        + " error=\"invalid_dpop_proof\", error_description=\"" + description + "\", " + algs);
    assertThat(CountingServlets.HANDLED).as("no handler ran").isEmpty();
  }

  @Test
  void ed25519Proof_underEitherName_isAccepted_once() throws Exception {
    String token = boundToken(jwk);
    for (String alg : List.of("EdDSA", "Ed25519")) {
      String proof = proof(api, alg, jwk.toJSONObject(), token);
      HttpResponse<String> accepted = call(api, token, proof);
      assertThat(accepted.statusCode()).as(alg + ": " + accepted.body()).isEqualTo(200);
      CountingServlets.HANDLED.clear();
      assertRefused(call(api, token, proof), ALGS, "The DPoP proof was used before");
    }
  }

  @Test
  void ed25519Proof_isRefused_whereEdDsaIsNotListed_theDefault() throws Exception {
    String token = boundToken(jwk);
    assertRefused(call(defaultApi, token, proof(defaultApi, "EdDSA", jwk.toJSONObject(), token)),
        "algs=\"ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512\"", "The DPoP proof's alg is not accepted;"
            + " accepted are ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512");
  }

  @Test
  void badSignature_isRefused() throws Exception {
    String token = boundToken(jwk);
    String proof = proof(api, "EdDSA", jwk.toJSONObject(), token);
    int at = proof.lastIndexOf('.') + 5;
    String tampered = proof.substring(0, at) + (proof.charAt(at) == 'A' ? 'B' : 'A') + proof.substring(at + 1);
    assertRefused(call(api, token, tampered), ALGS, "The DPoP proof's signature is not valid for its jwk");
  }

  @Test
  void anotherEd25519Key_inTheHeader_isRefused() throws Exception {
    // The header names a key that did not sign: the signature cannot verify.
    KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = other.getPublic().getEncoded();
    OctetKeyPair otherJwk = new OctetKeyPair.Builder(Curve.Ed25519,
        Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length))).build();
    String token = boundToken(otherJwk);
    assertRefused(call(api, token, proof(api, "EdDSA", otherJwk.toJSONObject(), token)), ALGS,
        "The DPoP proof's signature is not valid for its jwk");
  }

  @Test
  void x25519Key_doesNotFitEdDsa() throws Exception {
    Map<String, Object> x25519 = new LinkedHashMap<>(jwk.toJSONObject());
    x25519.put("crv", "X25519");
    String token = issuer.token().claim("cnf", Map.of("jkt", "unused")).sign();
    assertRefused(call(api, token, proof(api, "EdDSA", x25519, token)), ALGS,
        "The DPoP proof's jwk does not fit its alg");
  }

  @Test
  void ecKey_underEdDsa_doesNotFit() throws Exception {
    String token = issuer.token().claim("cnf", Map.of("jkt", "unused")).sign();
    assertRefused(call(api, token, proof(api, "EdDSA", DpopProof.ecKey().toPublicJWK().toJSONObject(), token)),
        ALGS, "The DPoP proof's jwk does not fit its alg");
  }
}
