package dev.tokengate.security;

import static dev.tokengate.security.RawJws.b64;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.BearerError;
import dev.tokengate.KeysUnavailableException;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenValidator;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.support.ApiServer;
import dev.tokengate.support.Poll;
import dev.tokengate.testing.internal.Jose;
import dev.tokengate.testing.JwksServer;
import dev.tokengate.testing.MutableClock;
import dev.tokengate.testing.SigningKey;
import dev.tokengate.testing.TestIssuer;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * The attacks that broke other JWT libraries, one named case each, against the real filter on a real Jetty with keys
 * from a real JWKS endpoint. Each asserts the exact status and {@code WWW-Authenticate}; the logs of every case are
 * checked for tokens, signatures and secrets by {@link LogCapture}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttackMatrixTest {
  private static final byte[] SHARED_SECRET =
      "a-shared-secret-of-at-least-32-bytes-for-hs256".getBytes(StandardCharsets.UTF_8);
  private static final int LONG_TOKEN_LIMIT = 30_000;

  @RegisterExtension
  static final LogCapture logs = new LogCapture();

  private final MutableClock clock = MutableClock.startingNow();
  private TestIssuer issuer;
  private TestIssuer ecIssuer;
  private JwksServer attacker;
  private SigningKey attackerKey;
  /** Defaults: RS/PS/ES/EdDSA, no shared secret, no query token, max-token-length 8192. */
  private ApiServer api;
  /** RS256 and HS256 with a shared secret. */
  private ApiServer apiWithSecret;
  /** allow-query-token true. */
  private ApiServer apiWithQuery;
  /** allow-form-token true. */
  private ApiServer apiWithForm;
  /** max-token-length 30000. */
  private ApiServer apiWithLongTokens;
  private ApiServer ecApi;

  @BeforeAll
  void start() {
    logs.secret(new String(SHARED_SECRET, StandardCharsets.UTF_8));
    issuer = TestIssuer.start(SigningKey.rsa("key-1"), clock);
    ecIssuer = TestIssuer.start(SigningKey.ec256("ec-1"), clock);
    attackerKey = SigningKey.rsa("attacker-1");
    attacker = JwksServer.start().publish(attackerKey);
    api = ApiServer.start(base(issuer).build());
    apiWithSecret = ApiServer.start(base(issuer).algorithms("RS256", "HS256").sharedSecret(SHARED_SECRET).build());
    apiWithQuery = ApiServer.start(base(issuer).allowQueryToken(true).build());
    apiWithForm = ApiServer.start(base(issuer).allowFormToken(true).build());
    apiWithLongTokens = ApiServer.start(base(issuer).maxTokenLength(LONG_TOKEN_LIMIT).build());
    ecApi = ApiServer.start(base(ecIssuer).build());
  }

  @AfterAll
  void stop() {
    for (AutoCloseable closeable :
        List.<AutoCloseable>of(api, apiWithSecret, apiWithQuery, apiWithForm, apiWithLongTokens, ecApi, issuer, ecIssuer,
            attacker)) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private TokenGateConfig.Builder base(TestIssuer of) {
    return TokenGateConfig.builder().issuer(of.issuer()).jwksUri(URI.create(of.server().jwksUri()))
        .audiences("api").clock(clock);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private HttpResponse<String> call(ApiServer server, String token) {
    return server.get("/whoami", logs.secret(token));
  }

  private HttpResponse<String> callWithHeader(ApiServer server, String path, String... headers) {
    for (int i = 1; i < headers.length; i += 2) {
      logs.secret(headers[i]);
    }
    return server.send("GET", path, null, headers);
  }

  /**
   * An unknown kid is 401 once a refresh for it could run and did not bring it. The matrix shares its validators, so
   * earlier unknown kids may have spent the refresh budget (burst 2, one per 30 s); the clock is moved past the
   * interval first, else the exact answer would be 503 "refresh pending" (see KeyRotationTest).
   */
  private void assertUnknownKey(ApiServer server, String token) {
    refreshAllowedAgain();
    assertInvalidToken(call(server, token), "The access token was signed with an unknown key");
  }

  private void refreshAllowedAgain() {
    clock.advance(Duration.ofSeconds(31));
  }

  private static String challenge(String error, String description) {
    return "Bearer realm=\"api\", error=\"" + error + "\", error_description=\"" + description + "\"";
  }

  private static void assertInvalidToken(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).as("status").isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue(challenge("invalid_token", description));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  private static void assertInvalidRequest(HttpResponse<String> response, String description) {
    assertThat(response.statusCode()).as("status").isEqualTo(400);
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValue(challenge("invalid_request", description));
  }

  private static void assertAccepted(HttpResponse<String> response) {
    assertThat(response.statusCode()).as("status").isEqualTo(200);
    assertThat(response.body()).contains("name=orders-service");
  }

  private String payload() {
    return JSONObjectUtils.toJSONString(issuer.token().claims());
  }

  private String payload(TestIssuer of) {
    return JSONObjectUtils.toJSONString(of.token().claims());
  }

  private static String header(String alg, String kid) {
    return "{\"alg\":\"" + alg + "\",\"typ\":\"at+jwt\"" + (kid == null ? "" : ",\"kid\":\"" + kid + "\"") + "}";
  }

  private static SigningKey mac(byte[] secret) {
    return SigningKey.hmac(secret, "HS256");
  }

  private RSAPublicKey issuerPublicKey() {
    try {
      return ((RSAKey) Jose.publicJwk(issuer.key())).toRSAPublicKey();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(byte[] der) {
    return "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
  }

  @Test
  void sanity_theFixturesAcceptAGenuineToken_soEveryRejectionBelowIsMeaningful() {
    assertAccepted(call(api, issuer.token().sign()));
    assertAccepted(call(apiWithSecret, issuer.token().sign()));
    assertAccepted(call(apiWithQuery, issuer.token().sign()));
    assertAccepted(call(apiWithForm, issuer.token().sign()));
    assertAccepted(call(apiWithLongTokens, issuer.token().sign()));
    assertAccepted(call(ecApi, ecIssuer.token().sign()));
    String hs256 = issuer.token().algorithm("HS256").kid(null).signPayload(payload(), mac(SHARED_SECRET));
    assertAccepted(call(apiWithSecret, hs256));
    assertThat(logs.lines()).as("the capture sees the filter's own log lines").isNotEmpty();
  }

  @Nested
  class AlgNone {
    @ParameterizedTest(name = "alg={0}")
    @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
    void algNone_withEmptySignature_is401Malformed(String alg) {
      String token = b64(header(alg, "key-1")) + "." + b64(payload()) + ".";
      assertInvalidToken(call(api, token), "The access token is malformed");
      assertInvalidToken(call(apiWithSecret, token), "The access token is malformed");
    }

    @ParameterizedTest(name = "alg={0}")
    @CsvSource({
        "none, The access token is malformed",
        "None, The access token signing algorithm is not accepted",
        "NONE, The access token signing algorithm is not accepted",
        "nOnE, The access token signing algorithm is not accepted"})
    void algNone_withASignatureSegment_is401(String alg, String description) {
      // The signature of a genuine token, so that only the alg differs from something the issuer signed.
      byte[] genuine = RawJws.signatureBytes(issuer.token().sign());
      String token = RawJws.unsigned(header(alg, "key-1"), payload(), genuine);
      assertInvalidToken(call(api, token), description);
      assertInvalidToken(call(apiWithSecret, token), description);
    }

    @Test
    void algNone_withoutKid_andSignatureOfSharedSecret_is401() {
      String token = RawJws.unsigned(header("none", null), payload(), SHARED_SECRET);
      assertInvalidToken(call(apiWithSecret, token), "The access token is malformed");
    }
  }

  @Nested
  class KeyConfusion {
    @ParameterizedTest(name = "secret={0}")
    @ValueSource(strings = {"x509-der", "pem", "jwk-json", "modulus"})
    void hs256SignedWithTheRsaPublicKey_whenHmacNotAllowed_is401AlgorithmNotAccepted(String form) {
      int fetchesBefore = issuer.server().jwksRequests();
      String token = issuer.token().algorithm("HS256").signPayload(payload(), mac(publicKeyAs(form)));
      assertInvalidToken(call(api, token), "The access token signing algorithm is not accepted");
      assertThat(issuer.server().jwksRequests()).as("no key fetch for a refused alg").isEqualTo(fetchesBefore);
    }

    @ParameterizedTest(name = "secret={0}")
    @ValueSource(strings = {"x509-der", "pem", "jwk-json", "modulus"})
    void hs256SignedWithTheRsaPublicKey_whenSharedSecretConfigured_is401BadSignature(String form) {
      String withKid = issuer.token().algorithm("HS256").signPayload(payload(), mac(publicKeyAs(form)));
      assertInvalidToken(call(apiWithSecret, withKid), "The access token signature is invalid");
      String withoutKid = issuer.token().algorithm("HS256").kid(null)
          .signPayload(payload(), mac(publicKeyAs(form)));
      assertInvalidToken(call(apiWithSecret, withoutKid), "The access token signature is invalid");
    }

    private byte[] publicKeyAs(String form) {
      RSAPublicKey key = issuerPublicKey();
      return switch (form) {
        case "x509-der" -> key.getEncoded();
        case "pem" -> pem(key.getEncoded()).getBytes(StandardCharsets.US_ASCII);
        case "jwk-json" -> Jose.publicJwk(issuer.key()).toJSONString().getBytes(StandardCharsets.UTF_8);
        case "modulus" -> key.getModulus().toByteArray();
        default -> throw new IllegalArgumentException(form);
      };
    }
  }

  @Nested
  class KeysCarriedInTheHeader {
    private int attackerRequests() {
      return attacker.requests("/jwks") + attacker.requests("/cert.pem")
          + attacker.requests("/.well-known/openid-configuration");
    }

    @Test
    void jku_pointingAtTheAttackersJwks_is401UnknownKey_andIsNeverFetched() {
      int before = attackerRequests();
      String token = RawJws.sign("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"attacker-1\",\"jku\":\""
          + attacker.jwksUri() + "\"}", payload(), Jose.signer(attackerKey));
      assertUnknownKey(api, token);
      assertThat(attackerRequests()).isEqualTo(before);
    }

    @Test
    void jku_withTheIssuersKid_is401BadSignature() {
      int before = attackerRequests();
      String token = RawJws.sign("{\"alg\":\"RS256\",\"kid\":\"key-1\",\"jku\":\"" + attacker.jwksUri() + "\"}",
          payload(), Jose.signer(attackerKey));
      assertInvalidToken(call(api, token), "The access token signature is invalid");
      assertThat(attackerRequests()).isEqualTo(before);
    }

    @Test
    void x5u_pointingAtTheAttacker_is401_andIsNeverFetched() {
      int before = attackerRequests();
      String token = RawJws.sign("{\"alg\":\"RS256\",\"x5u\":\"" + attacker.issuer() + "/cert.pem\"}",
          payload(), Jose.signer(attackerKey));
      assertInvalidToken(call(api, token), "The access token signature is invalid");
      assertThat(attackerRequests()).isEqualTo(before);
    }

    @Test
    void embeddedJwk_cve2018_0114_withoutKid_is401BadSignature() {
      String jwk = Jose.publicJwk(attackerKey).toJSONString();
      String token = RawJws.sign("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"jwk\":" + jwk + "}", payload(),
          Jose.signer(attackerKey));
      assertInvalidToken(call(api, token), "The access token signature is invalid");
    }

    @Test
    void embeddedJwk_cve2018_0114_withItsOwnKid_is401UnknownKey() {
      String jwk = Jose.publicJwk(attackerKey).toJSONString();
      String token = RawJws.sign("{\"alg\":\"RS256\",\"kid\":\"attacker-1\",\"jwk\":" + jwk + "}", payload(),
          Jose.signer(attackerKey));
      assertUnknownKey(api, token);
    }

    @Test
    void embeddedJwk_withTheIssuersKid_is401BadSignature() {
      String jwk = Jose.publicJwk(attackerKey).toJSONString();
      String token = RawJws.sign("{\"alg\":\"RS256\",\"kid\":\"key-1\",\"jwk\":" + jwk + "}", payload(),
          Jose.signer(attackerKey));
      assertInvalidToken(call(api, token), "The access token signature is invalid");
    }

    @Test
    void x5c_selfSignedCertificateOfTheAttacker_is401BadSignature() throws Exception {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = AttackMatrixTest.class.getResourceAsStream("attacker.p12")) {
        store.load(in, "changeit".toCharArray());
      }
      X509Certificate certificate = (X509Certificate) store.getCertificate("attacker");
      PrivateKey privateKey = (PrivateKey) store.getKey("attacker", "changeit".toCharArray());
      String x5c = Base64.encode(certificate.getEncoded()).toString();
      JWSSigner signer = new RSASSASigner(privateKey);
      String token = RawJws.sign("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"x5c\":[\"" + x5c + "\"]}", payload(),
          signer);
      assertInvalidToken(call(api, token), "The access token signature is invalid");
      String withKid = RawJws.sign("{\"alg\":\"RS256\",\"kid\":\"key-1\",\"x5c\":[\"" + x5c + "\"]}", payload(),
          signer);
      assertInvalidToken(call(api, withKid), "The access token signature is invalid");
    }
  }

  @Nested
  class MalformedSignatures {
    // The order n of P-256: r = s = n is as invalid as r = s = 0, and a verifier that reduces mod n first would
    // fall for it just the same.
    private final byte[] p256Order =
        HexFormat.of().parseHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

    @Test
    void ecdsa_rAndSZero_cve2022_21449_is401BadSignature() {
      String token = RawJws.withSignature(ecIssuer.token().sign(), new byte[64]);
      assertInvalidToken(call(ecApi, token), "The access token signature is invalid");
    }

    @Test
    void ecdsa_rAndSZero_inDerForm_is401BadSignature() {
      String token = RawJws.withSignature(ecIssuer.token().sign(), new byte[] {0x30, 0x06, 0x02, 0x01, 0x00, 0x02,
          0x01, 0x00});
      assertInvalidToken(call(ecApi, token), "The access token signature is invalid");
    }

    @Test
    void ecdsa_rAndSEqualToTheCurveOrder_is401BadSignature() {
      byte[] signature = new byte[64];
      System.arraycopy(p256Order, 0, signature, 0, 32);
      System.arraycopy(p256Order, 0, signature, 32, 32);
      assertInvalidToken(call(ecApi, RawJws.withSignature(ecIssuer.token().sign(), signature)),
          "The access token signature is invalid");
    }

    @Test
    void ecdsa_allOnes_is401BadSignature() {
      byte[] signature = new byte[64];
      Arrays.fill(signature, (byte) 0xff);
      assertInvalidToken(call(ecApi, RawJws.withSignature(ecIssuer.token().sign(), signature)),
          "The access token signature is invalid");
    }

    @ParameterizedTest(name = "length={0}")
    @ValueSource(ints = {1, 32, 63, 65, 72, 128})
    void ecdsa_wrongLength_is401BadSignature(int length) {
      String genuine = ecIssuer.token().sign();
      byte[] signature = Arrays.copyOf(RawJws.signatureBytes(genuine), length);
      assertInvalidToken(call(ecApi, RawJws.withSignature(genuine, signature)),
          "The access token signature is invalid");
    }

    @Test
    void ecdsa_genuineSignatureReEncodedAsDer_is401BadSignature() {
      // What java.security.Signature emits; JWS requires the fixed-length R || S form (RFC 7518 §3.4).
      String genuine = ecIssuer.token().sign();
      byte[] raw = RawJws.signatureBytes(genuine);
      byte[] r = new BigInteger(1, Arrays.copyOfRange(raw, 0, 32)).toByteArray();
      byte[] s = new BigInteger(1, Arrays.copyOfRange(raw, 32, 64)).toByteArray();
      byte[] der = new byte[6 + r.length + s.length];
      der[0] = 0x30;
      der[1] = (byte) (4 + r.length + s.length);
      der[2] = 0x02;
      der[3] = (byte) r.length;
      System.arraycopy(r, 0, der, 4, r.length);
      der[4 + r.length] = 0x02;
      der[5 + r.length] = (byte) s.length;
      System.arraycopy(s, 0, der, 6 + r.length, s.length);
      assertInvalidToken(call(ecApi, RawJws.withSignature(genuine, der)), "The access token signature is invalid");
    }

    @Test
    void ecTokenPresentedWithAlgRs256_is401() {
      String genuine = ecIssuer.token().sign();
      String[] parts = RawJws.parts(genuine);
      String token = b64(header("RS256", "ec-1")) + "." + parts[1] + "." + parts[2];
      assertUnknownKey(ecApi, token);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"zeros-256", "one-byte", "zeros-512", "modulus", "truncated", "extended", "bit-flip"})
    void rsa_malformedSignature_is401BadSignature(String kind) {
      String genuine = issuer.token().sign();
      byte[] real = RawJws.signatureBytes(genuine);
      byte[] signature = switch (kind) {
        case "zeros-256" -> new byte[256];
        case "one-byte" -> new byte[] {1};
        case "zeros-512" -> new byte[512];
        case "modulus" -> Arrays.copyOfRange(issuerPublicKey().getModulus().toByteArray(), 1, 257);
        case "truncated" -> Arrays.copyOf(real, 255);
        case "extended" -> Arrays.copyOf(real, 257);
        case "bit-flip" -> {
          byte[] flipped = real.clone();
          flipped[128] ^= 0x01;
          yield flipped;
        }
        default -> throw new IllegalArgumentException(kind);
      };
      assertInvalidToken(call(api, RawJws.withSignature(genuine, signature)), "The access token signature is invalid");
    }

    @Test
    void signatureStripped_is401Malformed() {
      String genuine = issuer.token().sign();
      assertInvalidToken(call(api, genuine.substring(0, genuine.lastIndexOf('.') + 1)),
          "The access token is malformed");
    }

    @Test
    void payloadChangedAfterSigning_is401BadSignature() {
      String[] genuine = RawJws.parts(issuer.token().sign());
      String widened = payload().replace("countries:read orders:write", "admin countries:read orders:write");
      assertInvalidToken(call(api, genuine[0] + "." + b64(widened) + "." + genuine[2]),
          "The access token signature is invalid");
    }

    @Test
    void headerChangedAfterSigning_is401BadSignature() {
      String[] genuine = RawJws.parts(issuer.token().sign());
      assertInvalidToken(call(api, b64(header("RS256", "key-1")) + "." + genuine[1] + "." + genuine[2]),
          "The access token signature is invalid");
    }

    @Test
    void signatureOfAnotherGenuineToken_is401BadSignature() {
      String[] one = RawJws.parts(issuer.token().sign());
      String[] other = RawJws.parts(issuer.token().scope("admin").sign());
      assertInvalidToken(call(api, one[0] + "." + other[1] + "." + one[2]), "The access token signature is invalid");
    }
  }

  @Nested
  class KeyIds {
    @Test
    void rightKid_fromAnotherKeySet_is401BadSignature() {
      try (TestIssuer other = TestIssuer.start(SigningKey.rsa("key-1"), clock)) {
        String token = other.token().issuer(issuer.issuer()).sign();
        assertInvalidToken(call(api, token), "The access token signature is invalid");
      }
    }

    @ParameterizedTest(name = "kid={0}")
    @ValueSource(strings = {"../../../../etc/passwd", "..\\\\..\\\\windows\\\\win.ini", "file:///etc/passwd",
        "' OR '1'='1", "key-1' --", "key-1\\u0000", "key-1\\r\\nX-Injected: 1", "\\u001b[31mred",
        "key-1\\u2028", "%2e%2e%2f", "${jndi:ldap://127.0.0.1/x}"})
    void hostileKid_is401UnknownKey(String kidJson) {
      String token = RawJws.sign("{\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + kidJson + "\"}", payload(),
          Jose.signer(issuer.key()));
      assertUnknownKey(api, token);
    }

    @Test
    void tenKilobyteKid_isTooLongByDefault_andUnknownWhenLongTokensAllowed() {
      String token = RawJws.sign(header("RS256", "k".repeat(10 * 1024)), payload(), Jose.signer(issuer.key()));
      assertInvalidToken(call(api, token), "The access token is too long");
      assertUnknownKey(apiWithLongTokens, token);
    }

    @Test
    void unknownCrit_is401() {
      String token = RawJws.sign("{\"alg\":\"RS256\",\"kid\":\"key-1\",\"crit\":[\"x-policy\"],\"x-policy\":1}",
          payload(), Jose.signer(issuer.key()));
      assertInvalidToken(call(api, token), "The access token has an unsupported critical header");
    }

    @Test
    void critListingARegisteredHeader_is401() {
      String token = RawJws.sign("{\"alg\":\"RS256\",\"kid\":\"key-1\",\"crit\":[\"b64\"],\"b64\":false}",
          payload(), Jose.signer(issuer.key()));
      HttpResponse<String> response = call(api, token);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value ->
          assertThat(value).isIn(challenge("invalid_token", "The access token has an unsupported critical header"),
              challenge("invalid_token", "The access token is malformed")));
    }
  }

  @Nested
  class Structure {
    @Test
    void jweCompact_fiveParts_is401Malformed() throws JOSEException {
      JWEObject jwe = new JWEObject(new JWEHeader(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A256GCM),
          new Payload(payload()));
      jwe.encrypt(new RSAEncrypter(issuerPublicKey()));
      String token = jwe.serialize();
      assertThat(RawJws.parts(token)).hasSize(5);
      assertInvalidToken(call(api, token), "The access token is malformed");
    }

    @Test
    void nestedJwt_signedByTheIssuer_aroundAnotherJwt_is401Malformed() {
      String inner = issuer.token().sign();
      logs.secret(inner);
      String outer = RawJws.sign("{\"alg\":\"RS256\",\"kid\":\"key-1\",\"cty\":\"JWT\"}", inner,
          Jose.signer(issuer.key()));
      assertInvalidToken(call(api, outer), "The access token is malformed");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"two", "four", "one", "empty-header", "empty-payload", "leading-dot", "trailing-dot",
        "double-dot"})
    void wrongNumberOrShapeOfSegments_is401Malformed(String shape) {
      String genuine = issuer.token().sign();
      String[] p = RawJws.parts(genuine);
      String token = switch (shape) {
        case "two" -> p[0] + "." + p[1];
        case "four" -> genuine + "." + p[2];
        case "one" -> p[1];
        case "empty-header" -> "." + p[1] + "." + p[2];
        case "empty-payload" -> p[0] + ".." + p[2];
        case "leading-dot" -> "." + genuine;
        case "trailing-dot" -> genuine + ".";
        case "double-dot" -> p[0] + ".." + p[1] + "." + p[2];
        default -> throw new IllegalArgumentException(shape);
      };
      assertInvalidToken(call(api, token), "The access token is malformed");
    }

    @Test
    void standardBase64AlphabetInsteadOfBase64url_is401Malformed() {
      String genuine = issuer.token().sign();
      String token = genuine.replace('-', '+').replace('_', '/');
      if (token.equals(genuine)) {
        token = genuine.substring(0, 10) + "+" + genuine.substring(11);
      }
      assertInvalidToken(call(api, token), "The access token is malformed");
    }

    @Test
    void paddingAtTheEnd_is401Malformed() {
      assertInvalidToken(call(api, issuer.token().sign() + "=="), "The access token is malformed");
    }

    @Test
    void paddingInsideASegment_is400NotAB64token() {
      String[] p = RawJws.parts(issuer.token().sign());
      assertInvalidRequest(callWithHeader(api, "/whoami", "Authorization",
          "Bearer " + p[0] + "==." + p[1] + "." + p[2]), "The Bearer credentials are not a valid b64token");
    }

    @Test
    void impossibleBase64Length_is401Malformed() {
      String[] p = RawJws.parts(issuer.token().sign());
      // 4k+1 characters cannot be base64 of anything.
      String header = p[0].length() % 4 == 0 ? p[0] + "A" : p[0] + "A".repeat(5 - p[0].length() % 4);
      assertInvalidToken(call(api, header + "." + p[1] + "." + p[2]), "The access token is malformed");
    }

    @ParameterizedTest(name = "separator={0}")
    @ValueSource(strings = {" ", ",", "!", "%20", "\t"})
    void characterOutsideB64tokenInsideTheToken_is400(String inserted) {
      String genuine = issuer.token().sign();
      int middle = genuine.indexOf('.') + 5;
      assertInvalidRequest(callWithHeader(api, "/whoami", "Authorization",
          "Bearer " + genuine.substring(0, middle) + inserted + genuine.substring(middle)),
          "The Bearer credentials are not a valid b64token");
    }

    @Test
    void extraSpacesAfterTheScheme_areAccepted() {
      // RFC 6750 §2.1: "Bearer" 1*SP b64token.
      assertAccepted(callWithHeader(api, "/whoami", "Authorization", "Bearer    " + issuer.token().sign()));
    }

    @Test
    void twoTokensCommaSeparatedInOneHeader_is400() {
      String token = issuer.token().sign();
      assertInvalidRequest(callWithHeader(api, "/whoami", "Authorization", "Bearer " + token + ", Bearer " + token),
          "The Bearer credentials are not a valid b64token");
    }
  }

  @Nested
  class Payloads {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"not json", "[1,2,3]", "\"a string\"", "42", "null", "true", "{", "{\"iss\":}", ""})
    void payloadSignedByTheIssuerButNotAJsonObject_is401Malformed(String payload) {
      assertInvalidToken(call(api, issuer.token().signPayload(payload)), "The access token is malformed");
    }

    @Test
    void deeplyNestedJsonPayload_withForgedSignature_is401() {
      String nested = payload().replace("}", ",\"x\":" + "[".repeat(2000) + "]".repeat(2000) + "}");
      String token = RawJws.sign(header("RS256", "key-1"), nested, Jose.signer(attackerKey));
      assertInvalidToken(call(api, token), "The access token is malformed");
      String deeper = payload().replace("}", ",\"x\":" + "[".repeat(9000) + "]".repeat(9000) + "}");
      assertInvalidToken(call(apiWithLongTokens, RawJws.sign(header("RS256", "key-1"), deeper, Jose.signer(attackerKey))),
          "The access token is malformed");
    }

    @Test
    void deeplyNestedJsonObjects_withForgedSignature_is401() {
      String nested = payload().replace("}", ",\"x\":" + "{\"a\":".repeat(600) + "1" + "}".repeat(600) + "}");
      assertInvalidToken(call(api, RawJws.sign(header("RS256", "key-1"), nested, Jose.signer(attackerKey))),
          "The access token is malformed");
    }

    @Test
    void deeplyNestedJsonHeader_is401Malformed() {
      String header = "{\"alg\":\"RS256\",\"kid\":\"key-1\",\"x\":" + "[".repeat(2000) + "]".repeat(2000) + "}";
      String token = b64(header) + "." + b64(payload()) + "." + b64(new byte[256]);
      assertInvalidToken(call(api, token), "The access token is malformed");
    }

    @Test
    void duplicateIssuerClaim_signedByTheIssuer_is401Malformed() {
      String duplicated = "{\"iss\":\"http://evil.example\"," + payload().substring(1);
      assertThat(duplicated).contains("\"iss\":\"" + issuer.issuer() + "\"");
      assertInvalidToken(call(api, issuer.token().signPayload(duplicated)), "The access token is malformed");
    }

    @Test
    void duplicateScopeClaim_signedByTheIssuer_is401Malformed() {
      String duplicated = payload().replace("}", ",\"scope\":\"admin\"}");
      assertInvalidToken(call(api, issuer.token().signPayload(duplicated)), "The access token is malformed");
    }

    @Test
    void duplicateHeaderParameter_is401Malformed() {
      String token = RawJws.signUnparsed("{\"alg\":\"RS256\",\"kid\":\"other\",\"kid\":\"key-1\"}", payload(),
          Jose.signer(issuer.key()), JWSAlgorithm.RS256);
      assertInvalidToken(call(api, token), "The access token is malformed");
    }
  }

  @Nested
  class ClaimTypes {
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "exp|\"tomorrow\"|The access token is malformed",
        "exp|[1]|The access token is malformed",
        "exp|{}|The access token is malformed",
        "nbf|\"now\"|The access token is malformed",
        "iat|true|The access token is malformed",
        "aud|42|The access token is malformed",
        "aud|{\"a\":1}|The access token is malformed",
        "iss|42|The access token is malformed",
        "iss|[\"ISSUER\"]|The access token is malformed",
        "scope|{\"a\":\"b\"}|The access token claim scope is malformed",
        "scope|42|The access token claim scope is malformed",
        "scope|[1,2]|The access token claim scope is malformed",
        "client_id|42|The access token claim client_id is malformed"})
    void claimOfTheWrongType_is401(String claim, String json, String description) {
      String value = json.replace("ISSUER", issuer.issuer());
      String token = issuer.token().signPayload(replaceClaim(claim, value));
      assertInvalidToken(call(api, token), description);
    }

    private String replaceClaim(String claim, String json) {
      Map<String, Object> claims = issuer.token().claims();
      claims.remove(claim);
      String rest = JSONObjectUtils.toJSONString(claims);
      return "{\"" + claim + "\":" + json + "," + rest.substring(1);
    }
  }

  @Nested
  class Sizes {
    @Test
    void hundredKilobyteToken_isRefusedByJettyBeforeTheFilter_431() {
      String token = issuer.token().claim("padding", "x".repeat(100 * 1024)).sign();
      for (ApiServer server : List.of(api, apiWithLongTokens)) {
        HttpResponse<String> response = call(server, token);
        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(response.body()).doesNotContain(token.substring(0, 64));
      }
    }

    @Test
    void hundredKilobyteOtherHeaderLine_isRefusedByJetty_431() {
      String token = issuer.token().sign();
      HttpResponse<String> response = callWithHeader(api, "/whoami", "Authorization", "Bearer " + token,
          "X-Junk", "y".repeat(100 * 1024));
      assertThat(response.statusCode()).isEqualTo(431);
    }

    @Test
    void twentyKilobyteToken_isTooLongByDefault_andAcceptedWhenTheLimitAllowsIt() {
      String token = issuer.token().claim("padding", "x".repeat(15 * 1024)).sign();
      assertThat(token.length()).isBetween(20 * 1024, LONG_TOKEN_LIMIT);
      assertInvalidToken(call(api, token), "The access token is too long");
      assertAccepted(call(apiWithLongTokens, token));
    }

    @Test
    void hundredKilobyteToken_givenToTheValidatorDirectly_isTooLong() {
      try (TokenValidator validator = TokenValidator.create(base(issuer).build())) {
        String token = logs.secret("e".repeat(100 * 1024));
        TokenRejectedException rejection = catchRejection(() -> validator.validate(token));
        assertThat(rejection.error()).isEqualTo(BearerError.INVALID_TOKEN);
        assertThat(rejection.description()).isEqualTo("The access token is too long");
      }
    }
  }

  @Nested
  class Issuers {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"trailing-slash", "uppercase", "uppercase-scheme", "localhost", "path", "whitespace"})
    void issuerDifferingOnlySlightly_is401UntrustedIssuer_withoutAKeyFetch(String variant) {
      // A fresh issuer and validator: the shared ones may run a refresh that an earlier case scheduled (a kid that
      // was unknown while the refresh budget was spent), which would show here as a fetch this token did not cause.
      try (TestIssuer fresh = TestIssuer.start(SigningKey.rsa("key-1"), clock);
          ApiServer freshApi = ApiServer.start(base(fresh).build())) {
        Poll.until("the fresh validator loaded its keys", () -> fresh.server().jwksRequests() > 0);
        assertSlightlyDifferentIssuerIsRefusedWithoutAFetch(fresh, freshApi, variant);
      }
    }

    private void assertSlightlyDifferentIssuerIsRefusedWithoutAFetch(TestIssuer issuer, ApiServer api,
        String variant) {
      String real = issuer.issuer();
      String iss = switch (variant) {
        case "trailing-slash" -> real + "/";
        case "uppercase" -> real.toUpperCase(Locale.ROOT);
        case "uppercase-scheme" -> "HTTP" + real.substring(4);
        case "localhost" -> real.replace("127.0.0.1", "localhost");
        case "path" -> real + "/.";
        case "whitespace" -> real + " ";
        default -> throw new IllegalArgumentException(variant);
      };
      int fetchesBefore = issuer.server().jwksRequests();
      assertInvalidToken(call(api, issuer.token().issuer(iss).sign()),
          "The access token was issued by an untrusted issuer");
      assertThat(issuer.server().jwksRequests()).isEqualTo(fetchesBefore);
    }
  }

  @Nested
  class ScopesAndPlacement {
    @ParameterizedTest(name = "scope={0}")
    @ValueSource(strings = {"countries:readonly", "countries:rea", "COUNTRIES:READ", "countries:read:x",
        "countries", "countries:read,orders:write"})
    void similarScope_is403InsufficientScope(String scope) {
      HttpResponse<String> response = api.get("/countries/fr", logs.secret(issuer.token().scope(scope).sign()));
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\","
          + " error=\"insufficient_scope\", error_description=\"The access token lacks a scope this request"
          + " requires\", scope=\"countries:read\"");
    }

    @Test
    void requiredScopeAmongOthers_is200() {
      assertThat(api.get("/countries/fr", logs.secret(issuer.token().scope("x", "countries:read").sign()))
          .statusCode()).isEqualTo(200);
    }

    @Test
    void twoAuthorizationHeaders_is400_evenWhenBothAreValid() {
      String one = issuer.token().sign();
      String two = issuer.token().sign();
      assertInvalidRequest(callWithHeader(api, "/whoami", "Authorization", "Bearer " + one, "Authorization",
          "Bearer " + two), "The request has more than one Authorization header");
      assertInvalidRequest(callWithHeader(api, "/whoami", "Authorization", "Bearer " + one, "Authorization",
          "Basic dXNlcjpwYXNz"), "The request has more than one Authorization header");
    }

    @Test
    void tokenInQueryAndHeader_whenQueryTokensOff_theQueryIsIgnored_andTheHeaderDecides() {
      String header = issuer.token().sign();
      String query = issuer.token().sign();
      logs.secret(query);
      assertAccepted(callWithHeader(api, "/whoami?access_token=" + query, "Authorization", "Bearer " + header));
      String forged = issuer.tokenSignedWith(attackerKey).sign();
      logs.secret(forged);
      refreshAllowedAgain();
      assertInvalidToken(callWithHeader(api, "/whoami?access_token=" + header, "Authorization", "Bearer " + forged),
          "The access token was signed with an unknown key");
    }

    @Test
    void tokenInQueryAndHeader_whenQueryTokensOn_is400() {
      String header = issuer.token().sign();
      String query = issuer.token().sign();
      logs.secret(query);
      assertInvalidRequest(callWithHeader(apiWithQuery, "/whoami?access_token=" + query, "Authorization",
          "Bearer " + header), "The request carries an access token in more than one place");
    }

    @Test
    void tokenInFormBodyAndHeader_whenFormTokensOff_theBodyIsIgnored_andWhenOn_is400() {
      String header = issuer.token().sign();
      String body = "access_token=" + logs.secret(issuer.token().sign());
      String[] headers = {"Authorization", "Bearer " + header, "Content-Type", "application/x-www-form-urlencoded"};
      logs.secret(header);
      assertAccepted(api.send("POST", "/whoami", body, headers));
      assertInvalidRequest(apiWithForm.send("POST", "/whoami", body, headers),
          "The request carries an access token in more than one place");
    }

    @Test
    void tokenInQueryOnly_isAcceptedOnlyWhenQueryTokensOn() {
      String token = logs.secret(issuer.token().sign());
      assertAccepted(apiWithQuery.get("/whoami?access_token=" + token, null));
      HttpResponse<String> off = api.get("/whoami?access_token=" + token, null);
      assertThat(off.statusCode()).isEqualTo(401);
      assertThat(off.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
    }

    @Test
    void twoQueryTokens_whenQueryTokensOn_is400() {
      String token = logs.secret(issuer.token().sign());
      HttpResponse<String> response = apiWithQuery.get("/whoami?access_token=" + token + "&access_token=" + token,
          null);
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          value -> assertThat(value).startsWith("Bearer realm=\"api\", error=\"invalid_request\""));
    }

    @ParameterizedTest(name = "scheme={0}")
    @ValueSource(strings = {"bearer", "BEARER", "bEaReR"})
    void schemeInAnyCase_isAccepted(String scheme) {
      assertAccepted(callWithHeader(api, "/whoami", "Authorization", scheme + " " + issuer.token().sign()));
    }

    @ParameterizedTest(name = "header={0}")
    @ValueSource(strings = {"Bearer", "Bearerx abc.def.ghi", "Bear abc", "Token abc.def.ghi"})
    void otherSchemesOrNoSpace_areABareChallenge(String value) {
      HttpResponse<String> response = callWithHeader(api, "/whoami", "Authorization", value);
      if (value.equals("Bearer")) {
        assertInvalidRequest(response, "The Bearer credentials are empty");
      } else {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"api\"");
      }
    }
  }

  @Nested
  class SeveralTrustedIssuers {
    @Test
    void tokenNamingOneIssuer_signedWithAnotherTrustedIssuersKeyUnderTheSameKid_is401BadSignature() {
      try (TestIssuer partner = TestIssuer.start(SigningKey.rsa("key-1"), clock);
          ApiServer both = ApiServer.start(base(issuer).trustedIssuer(TrustedIssuer.of(
              partner.issuer(), "api").withJwksUri(URI.create(partner.server().jwksUri()))).build())) {
        assertAccepted(call(both, issuer.token().sign()));
        assertAccepted(call(both, partner.token().sign()));
        assertInvalidToken(call(both, partner.tokenSignedWith(issuer.key()).sign()),
            "The access token signature is invalid");
        assertInvalidToken(call(both, issuer.tokenSignedWith(partner.key()).sign()),
            "The access token signature is invalid");
      }
    }
  }

  @Test
  void noCaseLeakedATokenIntoTheLogs_andTheCheckCanFail() {
    logs.assertNoSecretLogged();
    assertThat(logs.secretCount()).isGreaterThan(10);
    String canary = logs.secret("canary-token-" + System.nanoTime());
    LoggerFactory.getLogger(AttackMatrixTest.class).info("leaking {}", canary);
    assertThat(logs.leaks()).hasSize(1);
    logs.forget(canary);
  }

  interface Validation {
    void run() throws TokenRejectedException, KeysUnavailableException;
  }

  static TokenRejectedException catchRejection(Validation validation) {
    try {
      validation.run();
    } catch (TokenRejectedException e) {
      return e;
    } catch (KeysUnavailableException e) {
      throw new AssertionError("expected a rejection, keys were unavailable", e);
    }
    throw new AssertionError("expected a rejection, the token was accepted");
  }
}
