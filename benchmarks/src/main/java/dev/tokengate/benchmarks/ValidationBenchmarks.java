package dev.tokengate.benchmarks;

import com.auth0.jwk.JwkProvider;
import com.auth0.jwk.JwkProviderBuilder;
import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.ECDSAKeyProvider;
import com.auth0.jwt.interfaces.RSAKeyProvider;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenValidator;
import dev.tokengate.internal.http.RequestFirewall;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

/**
 * Validation of one token, the same token for every contender. Every state's setup validates the good token, proves
 * that a tampered copy is refused (so no benchmark measures a no-op), and proves that the JWKS was fetched once and is
 * cached (20 more validations cause no JWKS request). Each benchmark returns what it produced, for JMH to consume.
 */
public class ValidationBenchmarks {
  private static final int CACHED_CHECKS = 20;

  /** The token as bytes, to build a fresh String per call the way a servlet container does from a header. */
  static String fresh(byte[] token) {
    return new String(token, StandardCharsets.ISO_8859_1);
  }

  static void require(boolean condition, String failure) {
    if (!condition) {
      throw new IllegalStateException(failure);
    }
  }

  /** Proves the JWKS is fetched once and cached: more validations cost no JWKS request. */
  static void requireKeysCached(Fixture fixture, ThrowingRunnable validation, String who) throws Exception {
    int before = fixture.jwksRequests();
    for (int i = 0; i < CACHED_CHECKS; i++) {
      validation.run();
    }
    require(fixture.jwksRequests() == before, who + " fetched the JWKS again: it is not cached");
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Stops the JWKS server after each trial: its threads would otherwise hold the forked JVM open. */
  public abstract static class UsesFixture {
    @TearDown(Level.Trial)
    public void releaseFixture() {
      Fixture.release();
    }
  }

  // ---------------------------------------------------------------------------------------------------- the floor

  /** The signature check alone: java.security.Signature with the key already built, one instance per thread. */
  @State(Scope.Thread)
  public static class Floor extends UsesFixture {
    @Param({"RS256", "ES256", "PS256"})
    public String alg;

    Signature signature;
    byte[] signingInput;
    byte[] signatureBytes;
    byte[] tokenBytes;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture fixture = Fixture.get();
      String token = fixture.token(alg);
      tokenBytes = token.getBytes(StandardCharsets.ISO_8859_1);
      PublicKey key = alg.equals("ES256") ? fixture.ec().toECPublicKey() : fixture.rsa().toRSAPublicKey();
      // JWS ES256 signatures are R || S (RFC 7518 §3.4), which the P1363 variant reads without DER conversion.
      signature = switch (alg) {
        case "RS256" -> Signature.getInstance("SHA256withRSA");
        case "ES256" -> Signature.getInstance("SHA256withECDSAinP1363Format");
        default -> {
          // PS256: RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (RFC 7518 §3.5).
          Signature pss = Signature.getInstance("RSASSA-PSS");
          pss.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
              java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
          yield pss;
        }
      };
      signature.initVerify(key);
      int dot = token.lastIndexOf('.');
      signingInput = token.substring(0, dot).getBytes(StandardCharsets.US_ASCII);
      signatureBytes = Base64.getUrlDecoder().decode(token.substring(dot + 1));
      require(verify(signingInput, signatureBytes), "the floor refuses the good token");
      String tampered = fixture.tampered(alg);
      int tamperedDot = tampered.lastIndexOf('.');
      require(!verify(tampered.substring(0, tamperedDot).getBytes(StandardCharsets.US_ASCII),
          Base64.getUrlDecoder().decode(tampered.substring(tamperedDot + 1))), "the floor accepts a tampered token");
    }

    boolean verify(byte[] input, byte[] sig) throws Exception {
      signature.update(input);
      return signature.verify(sig);
    }
  }

  /** The floor: Signature.verify over bytes already decoded. */
  @Benchmark
  public boolean floorSignatureVerify(Floor state) throws Exception {
    return state.verify(state.signingInput, state.signatureBytes);
  }

  /** The floor, from the token string: split, base64url-decode the signature, verify. */
  @Benchmark
  public boolean floorSignatureVerifyFromToken(Floor state) throws Exception {
    String token = fresh(state.tokenBytes);
    int dot = token.lastIndexOf('.');
    byte[] input = token.substring(0, dot).getBytes(StandardCharsets.US_ASCII);
    byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    return state.verify(input, sig);
  }

  // ---------------------------------------------------------------------------------------------------- tokengate

  /** tokengate with its validated-token cache off: every call is a first-seen token. */
  @State(Scope.Benchmark)
  public static class TokengateFirstSeen extends UsesFixture {
    @Param({"RS256", "ES256", "PS256"})
    public String alg;

    TokenValidator validator;
    byte[] token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      validator = tokengate(alg, 0);
      token = Fixture.get().token(alg).getBytes(StandardCharsets.ISO_8859_1);
      proveTokengate(validator, alg);
    }
  }

  /** tokengate with the cache on (the default): the same token again. A hit does no signature work, so RS256 only. */
  @State(Scope.Benchmark)
  public static class TokengateRepeated extends UsesFixture {
    @Param({"RS256"})
    public String alg;

    TokenValidator validator;
    byte[] token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      validator = tokengate(alg, 10_000);
      token = Fixture.get().token(alg).getBytes(StandardCharsets.ISO_8859_1);
      proveTokengate(validator, alg);
    }
  }

  static TokenValidator tokengate(String alg, int cacheSize) {
    Fixture fixture = Fixture.get();
    return TokenValidator.create(TokenGateConfig.builder()
        .issuer(Fixture.ISSUER)
        .jwksUri(URI.create(fixture.jwksUri()))
        .audiences(Fixture.AUDIENCE)
        .algorithms(alg)
        .tokenCacheSize(cacheSize)
        .build());
  }

  static void proveTokengate(TokenValidator validator, String alg) throws Exception {
    Fixture fixture = Fixture.get();
    require(validator.validate(fixture.token(alg)).clientId().equals("orders-service"), "tokengate: wrong client");
    try {
      validator.validate(fixture.tampered(alg));
      throw new IllegalStateException("tokengate accepts a tampered token");
    } catch (TokenRejectedException expected) {
      // as it must
    }
    requireKeysCached(fixture, () -> validator.validate(fixture.token(alg)), "tokengate");
  }

  @Benchmark
  public ClientPrincipal tokengateFirstSeen(TokengateFirstSeen state) throws Exception {
    return state.validator.validate(fresh(state.token));
  }

  @Benchmark
  public ClientPrincipal tokengateRepeated(TokengateRepeated state) throws Exception {
    return state.validator.validate(fresh(state.token));
  }

  // ------------------------------------------------------------------------------------------ a bare map lookup

  /** What a cache hit cannot beat by much: ConcurrentHashMap.get keyed by a freshly built token string. */
  @State(Scope.Benchmark)
  public static class MapLookup extends UsesFixture {
    final ConcurrentHashMap<String, Object> map = new ConcurrentHashMap<>();
    String stored;
    byte[] token;

    @Setup(Level.Trial)
    public void setUp() {
      Fixture fixture = Fixture.get();
      String good = fixture.token("RS256");
      token = good.getBytes(StandardCharsets.ISO_8859_1);
      map.put(good, new Object());
      stored = good;
      require(map.get(fresh(token)) != null, "map lookup misses the good token");
      require(map.get(fixture.tampered("RS256")) == null, "map lookup finds a tampered token");
    }
  }

  @Benchmark
  public Object concurrentHashMapLookup(MapLookup state) {
    return state.map.get(fresh(state.token));
  }

  /**
   * The least any cache that compares the whole token pays per hit, whatever its hashing: the fresh copy a container
   * makes and one {@code equals} with the remembered token (no hash, no table). A cache may not compare less than
   * the whole token, or a forged token sharing the compared part would be answered as the remembered one.
   */
  @Benchmark
  public boolean freshTokenEquals(MapLookup state) {
    return fresh(state.token).equals(state.stored);
  }

  // ---------------------------------------------------------------------------------------------- request firewall

  /**
   * The request firewall's check of one request path, as the filter runs it first on every request: a plain path
   * (one scan, no allocation) and a percent-encoded one (decoded and compared with the resolved path).
   */
  @State(Scope.Thread)
  public static class Firewall {
    @Param({"plain", "encoded"})
    public String uri;

    String requestUri;
    String servletPath;
    String pathInfo;

    @Setup(Level.Trial)
    public void setUp() {
      if (uri.equals("plain")) {
        requestUri = "/shop/api/orders/12345/items";
        servletPath = "/api/orders";
        pathInfo = "/12345/items";
      } else {
        requestUri = "/shop/api/files/annual%20report%20caf%C3%A9.pdf";
        servletPath = "/api/files";
        pathInfo = "/annual report caf\u00e9.pdf";
      }
      require(RequestFirewall.refusal(requestUri, "/shop", servletPath, pathInfo) == null,
          "the firewall refuses a normal path");
      require(RequestFirewall.refusal("/shop/api/files/..;/public", "/shop", "/public", null) != null,
          "the firewall lets a hostile path through");
    }
  }

  @Benchmark
  public String requestFirewall(Firewall state) {
    return RequestFirewall.refusal(state.requestUri, "/shop", state.servletPath, state.pathInfo);
  }

  // ----------------------------------------------------------------------------------- Spring Security decoder

  /** Spring Security's NimbusJwtDecoder with the default validators, issuer and audience, as Boot would set it up. */
  @State(Scope.Benchmark)
  public static class Spring extends UsesFixture {
    // RS256 only: the other libraries are compared on the issue's headline algorithm; ES256 and PS256 are judged
    // against their JCA floors (and ES256 runs would cost minutes each at ~1 ms per operation on JDK 17).
    @Param({"RS256"})
    public String alg;

    NimbusJwtDecoder decoder;
    String token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture fixture = Fixture.get();
      decoder = NimbusJwtDecoder.withJwkSetUri(fixture.jwksUri())
          .jwsAlgorithm(SignatureAlgorithm.from(alg))
          .build();
      decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(
          JwtValidators.createDefaultWithIssuer(Fixture.ISSUER), new JwtAudienceValidator(Fixture.AUDIENCE)));
      token = fixture.token(alg);
      require(decoder.decode(token).getClaimAsString("client_id").equals("orders-service"), "spring: wrong client");
      try {
        decoder.decode(fixture.tampered(alg));
        throw new IllegalStateException("spring accepts a tampered token");
      } catch (JwtException expected) {
        // as it must
      }
      requireKeysCached(fixture, () -> decoder.decode(token), "spring");
    }
  }

  @Benchmark
  public Jwt springNimbusJwtDecoder(Spring state) {
    return state.decoder.decode(state.token);
  }

  // -------------------------------------------------------------------------------------------- Nimbus directly

  /** Nimbus DefaultJWTProcessor with a JWKSourceBuilder source (cached, rate-limited) and issuer/audience checks. */
  @State(Scope.Benchmark)
  public static class Nimbus extends UsesFixture {
    // RS256 only: the other libraries are compared on the issue's headline algorithm; ES256 and PS256 are judged
    // against their JCA floors (and ES256 runs would cost minutes each at ~1 ms per operation on JDK 17).
    @Param({"RS256"})
    public String alg;

    DefaultJWTProcessor<SecurityContext> processor;
    String token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture fixture = Fixture.get();
      JWKSource<SecurityContext> source = JWKSourceBuilder.create(new URL(fixture.jwksUri())).build();
      processor = new DefaultJWTProcessor<>();
      processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.parse(alg), source));
      processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(Fixture.AUDIENCE,
          new JWTClaimsSet.Builder().issuer(Fixture.ISSUER).build(), Set.of("exp", "sub", "client_id")));
      token = fixture.token(alg);
      require(processor.process(token, null).getStringClaim("client_id").equals("orders-service"),
          "nimbus: wrong client");
      try {
        processor.process(fixture.tampered(alg), null);
        throw new IllegalStateException("nimbus accepts a tampered token");
      } catch (com.nimbusds.jose.proc.BadJOSEException expected) {
        // as it must
      }
      requireKeysCached(fixture, () -> processor.process(token, null), "nimbus");
    }
  }

  @Benchmark
  public JWTClaimsSet nimbusDefaultJwtProcessor(Nimbus state) throws Exception {
    return state.processor.process(state.token, null);
  }

  // ---------------------------------------------------------------------------------------------------- Auth0

  /** Auth0 java-jwt with a cached jwks-rsa JwkProvider behind a key provider, issuer and audience required. */
  @State(Scope.Benchmark)
  public static class Auth0 extends UsesFixture {
    // RS256 only: the other libraries are compared on the issue's headline algorithm; ES256 and PS256 are judged
    // against their JCA floors (and ES256 runs would cost minutes each at ~1 ms per operation on JDK 17).
    @Param({"RS256"})
    public String alg;

    JWTVerifier verifier;
    String token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture fixture = Fixture.get();
      JwkProvider provider = new JwkProviderBuilder(new URL(fixture.jwksUri()))
          .cached(10, 24, TimeUnit.HOURS)
          .rateLimited(false)
          .build();
      Algorithm algorithm = alg.equals("RS256")
          ? Algorithm.RSA256(new RSAKeyProvider() {
            @Override
            public RSAPublicKey getPublicKeyById(String kid) {
              return (RSAPublicKey) publicKey(provider, kid);
            }

            @Override
            public RSAPrivateKey getPrivateKey() {
              return null;
            }

            @Override
            public String getPrivateKeyId() {
              return null;
            }
          })
          : Algorithm.ECDSA256(new ECDSAKeyProvider() {
            @Override
            public ECPublicKey getPublicKeyById(String kid) {
              return (ECPublicKey) publicKey(provider, kid);
            }

            @Override
            public ECPrivateKey getPrivateKey() {
              return null;
            }

            @Override
            public String getPrivateKeyId() {
              return null;
            }
          });
      verifier = JWT.require(algorithm).withIssuer(Fixture.ISSUER).withAudience(Fixture.AUDIENCE).build();
      token = fixture.token(alg);
      require(verifier.verify(token).getClaim("client_id").asString().equals("orders-service"),
          "auth0: wrong client");
      try {
        verifier.verify(fixture.tampered(alg));
        throw new IllegalStateException("auth0 accepts a tampered token");
      } catch (JWTVerificationException expected) {
        // as it must
      }
      requireKeysCached(fixture, () -> verifier.verify(token), "auth0");
    }

    private static PublicKey publicKey(JwkProvider provider, String kid) {
      try {
        return provider.get(kid).getPublicKey();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Benchmark
  public Object auth0JavaJwt(Auth0 state) {
    return state.verifier.verify(state.token);
  }

  // --------------------------------------------------------------------------------------------------- jose4j

  /** jose4j JwtConsumer with an HttpsJwks key resolver (cached), issuer, audience and exp required. */
  @State(Scope.Benchmark)
  public static class Jose4j extends UsesFixture {
    // RS256 only: the other libraries are compared on the issue's headline algorithm; ES256 and PS256 are judged
    // against their JCA floors (and ES256 runs would cost minutes each at ~1 ms per operation on JDK 17).
    @Param({"RS256"})
    public String alg;

    JwtConsumer consumer;
    String token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture fixture = Fixture.get();
      HttpsJwks jwks = new HttpsJwks(fixture.jwksUri());
      consumer = new JwtConsumerBuilder()
          .setRequireExpirationTime()
          .setAllowedClockSkewInSeconds(60)
          .setExpectedIssuer(Fixture.ISSUER)
          .setExpectedAudience(Fixture.AUDIENCE)
          .setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(jwks))
          .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, alg)
          .build();
      token = fixture.token(alg);
      require(consumer.processToClaims(token).getClaimValueAsString("client_id").equals("orders-service"),
          "jose4j: wrong client");
      try {
        consumer.processToClaims(fixture.tampered(alg));
        throw new IllegalStateException("jose4j accepts a tampered token");
      } catch (InvalidJwtException expected) {
        // as it must
      }
      requireKeysCached(fixture, () -> consumer.processToClaims(token), "jose4j");
    }
  }

  @Benchmark
  public JwtClaims jose4jJwtConsumer(Jose4j state) throws Exception {
    return state.consumer.processToClaims(state.token);
  }
}
