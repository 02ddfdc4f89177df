package dev.tokengate.benchmarks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.DpopMode;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TokenValidator;
import dev.tokengate.internal.dpop.DpopGate;
import dev.tokengate.internal.dpop.DpopProofException;
import dev.tokengate.internal.dpop.InMemoryReplayStore;
import dev.tokengate.spi.DpopReplayStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What DPoP (RFC 9449) adds to a request whose token is already in the validated-token cache: the token's checks are
 * cached, the proof is checked on every request (it is new every time). {@link #bearerCachedToken} is the baseline, a
 * cached hit for a Bearer token; {@link #dpopCachedTokenFreshProof} is the same cached hit for a DPoP-bound token plus
 * the filter's whole proof check ({@code DpopGate.checkProof}: parse, {@code typ}, {@code alg} allow-list, the
 * signature by the proof's {@code jwk}, {@code htm}, {@code htu}, {@code iat}, {@code ath}, the RFC 7638 thumbprint
 * against {@code cnf.jkt}, and the in-process replay store), with proofs signed by an ES256 or an RS256 (2048-bit) key.
 *
 * <p>Signing a proof is the client's cost, not the server's, so each thread signs a pool of 2048 proofs
 * (each its own {@code jti}) before measuring and takes the next one per call. When the pool wraps, its replay
 * store is replaced by an empty one (one Caffeine cache built per 2048 calls, included in the score): the
 * proofs would otherwise, rightly, be refused as replays. The request is a {@link Proxy} answering only what the
 * proof check reads (method, {@code DPoP} header, scheme, host, port, URI, dispatch type); anything else throws, so a
 * change in what the check reads fails the benchmark rather than measuring something else.
 */
public class DpopBenchmarks {
  /** How many proofs each thread signs before measuring; {@code -Dbench.dpop.pool}, default 2048. */
  static final int POOL = Integer.getInteger("bench.dpop.pool", 2048);
  static final String HTU = "https://api.example.com/orders";

  /** A Bearer token in the validated-token cache. */
  @State(Scope.Thread)
  public static class Bearer extends ValidationBenchmarks.UsesFixture {
    TokenValidator validator;
    byte[] token;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture fixture = Fixture.get();
      validator = TokenValidator.create(TokenGateConfig.builder().issuer(Fixture.ISSUER)
          .jwksUri(URI.create(fixture.jwksUri())).audiences(Fixture.AUDIENCE).build());
      token = fixture.token("RS256").getBytes(StandardCharsets.ISO_8859_1);
      validator.validate(fixture.token("RS256"));
      try {
        validator.validate(fixture.tampered("RS256"));
        throw new IllegalStateException("a tampered token was accepted");
      } catch (TokenRejectedException expected) {
        // as it must be
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      validator.close();
    }
  }

  /** A DPoP-bound token in the validated-token cache, and a pool of fresh proofs by a key of {@link #proofAlg}. */
  @State(Scope.Thread)
  public static class Dpop extends ValidationBenchmarks.UsesFixture {
    @Param({"ES256", "RS256"})
    public String proofAlg;

    TokenValidator validator;
    DpopGate gate;
    byte[] token;
    String tokenText;
    HttpServletRequest[] requests;
    int next;
    final ResettableStore store = new ResettableStore();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      Fixture fixture = Fixture.get();
      JWK key = proofAlg.equals("ES256") ? new ECKeyGenerator(Curve.P_256).generate()
          : new RSAKeyGenerator(2048).generate();
      TokenGateConfig config = TokenGateConfig.builder().issuer(Fixture.ISSUER)
          .jwksUri(URI.create(fixture.jwksUri())).audiences(Fixture.AUDIENCE)
          .dpopMode(DpopMode.ALLOWED).dpopReplayStore(store)
          // The pool is signed once, before measuring: its proofs must stay young enough for a long run.
          .dpopProofMaxAge(Duration.ofMinutes(10)).build();
      validator = TokenValidator.create(config);
      gate = new DpopGate(config);
      tokenText = boundToken(fixture, key);
      token = tokenText.getBytes(StandardCharsets.ISO_8859_1);
      String ath = Base64URL.encode(MessageDigest.getInstance("SHA-256")
          .digest(tokenText.getBytes(StandardCharsets.US_ASCII))).toString();
      requests = IntStream.range(0, POOL).parallel()
          .mapToObj(i -> request(proof(key, ath))).toArray(HttpServletRequest[]::new);

      // Prove that the benchmark measures a check that can fail: the proof passes once, not twice, and the bound
      // token is refused as Bearer.
      ClientPrincipal principal = validator.validate(tokenText);
      HttpServletRequest probe = request(proof(key, ath));
      gate.checkProof(probe, tokenText, principal);
      try {
        gate.checkProof(probe, tokenText, principal);
        throw new IllegalStateException("a replayed proof was accepted");
      } catch (DpopProofException expected) {
        // as it must be
      }
      try {
        gate.checkBearer(principal);
        throw new IllegalStateException("a DPoP-bound token was accepted as Bearer");
      } catch (TokenRejectedException expected) {
        // as it must be
      }
      store.reset();
    }

    HttpServletRequest nextRequest() {
      if (next == POOL) {
        next = 0;
        store.reset();
      }
      return requests[next++];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      validator.close();
    }
  }

  @Benchmark
  public ClientPrincipal bearerCachedToken(Bearer state) throws Exception {
    return state.validator.validate(ValidationBenchmarks.fresh(state.token));
  }

  @Benchmark
  public ClientPrincipal dpopCachedTokenFreshProof(Dpop state) throws Exception {
    String token = ValidationBenchmarks.fresh(state.token);
    ClientPrincipal principal = state.validator.validate(token);
    state.gate.checkProof(state.nextRequest(), token, principal);
    return principal;
  }

  /**
   * BENCHMARKS.md's DPoP section: these benchmarks' figures on JDK {@code jdk} (average time per call, from {@code
   * run.sh}'s JMH run) and, when {@code benchmarks/e2e-dpop.sh} left it, its end-to-end table.
   */
  static String section(String jdk, List<org.openjdk.jmh.results.RunResult> results, java.nio.file.Path e2e)
      throws java.io.IOException {
    StringBuilder md = new StringBuilder("## DPoP: what a proof costs (issue 16)\n\n")
        .append("`DpopBenchmarks` on JDK ").append(jdk).append(", one thread: a cached hit for a Bearer token, and the")
        .append(" same cached hit for a DPoP-bound token plus the filter's whole proof check (signature by the proof's")
        .append(" key, claims, thumbprint against `cnf.jkt`, the in-process replay store), with a fresh proof per call")
        .append(" (pre-signed: signing is the client's cost). Average time per call; lower is better.\n\n")
        .append("| benchmark | proof key | µs/call | ± | added by the proof |\n|---|---|---|---|---|\n");
    double bearer = Double.NaN;
    for (org.openjdk.jmh.results.RunResult result : results) {
      if (result.getParams().getBenchmark().endsWith(".bearerCachedToken")) {
        bearer = result.getPrimaryResult().getScore();
      }
    }
    for (org.openjdk.jmh.results.RunResult result : results) {
      String name = result.getParams().getBenchmark().replaceFirst(".*\\.", "");
      String alg = result.getParams().getParam("proofAlg");
      double score = result.getPrimaryResult().getScore();
      md.append("| ").append(name).append(" | ").append(alg == null ? "none (Bearer)" : alg).append(" | ")
          .append(String.format(java.util.Locale.ROOT, "%.2f", score)).append(" | ")
          .append(String.format(java.util.Locale.ROOT, "%.2f", result.getPrimaryResult().getScoreError()))
          .append(" | ").append(alg == null || Double.isNaN(bearer) ? "" : String.format(java.util.Locale.ROOT,
              "+%.2f µs", score - bearer)).append(" |\n");
    }
    if (java.nio.file.Files.exists(e2e)) {
      md.append('\n').append(java.nio.file.Files.readString(e2e).strip()).append('\n');
    } else {
      md.append("\nNo end-to-end DPoP figures: `benchmarks/e2e-dpop.sh` did not run.\n");
    }
    return md.toString();
  }

  /** The in-process store, replaced by an empty one when the proof pool wraps. */
  static final class ResettableStore implements DpopReplayStore {
    private volatile InMemoryReplayStore delegate = fresh();

    private static InMemoryReplayStore fresh() {
      return new InMemoryReplayStore(POOL * 2, Clock.systemUTC());
    }

    void reset() {
      delegate = fresh();
    }

    @Override
    public boolean firstUse(String proofId, Duration lifetime) {
      return delegate.firstUse(proofId, lifetime);
    }
  }

  /** The fixture's typical token, bound to {@code key} ({@code cnf.jkt}), signed RS256 by the fixture's issuer. */
  static String boundToken(Fixture fixture, JWK key) throws Exception {
    Map<String, Object> claims = JSONObjectUtils.parse(
        Fixture.payload("orders-service", Instant.now(), Duration.ofHours(2)));
    claims.put("cnf", Map.of("jkt", key.computeThumbprint("SHA-256").toString()));
    JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(fixture.rsa().getKeyID())
        .type(JOSEObjectType.JWT).build(), new Payload(JSONObjectUtils.toJSONString(claims)));
    jws.sign(new RSASSASigner(fixture.rsa()));
    return jws.serialize();
  }

  /** A new proof for GET {@link #HTU}, by {@code key}, for the token whose hash is {@code ath}. */
  static String proof(JWK key, String ath) {
    return proof(key, HTU, ath);
  }

  /** A new proof for GET {@code htu}, by {@code key}, for the token whose hash is {@code ath}. */
  static String proof(JWK key, String htu, String ath) {
    try {
      JWSAlgorithm alg = key.getKeyType().getValue().equals("EC") ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
      JWSSigner signer = alg == JWSAlgorithm.ES256 ? new ECDSASigner(key.toECKey()) : new RSASSASigner(key.toRSAKey());
      SignedJWT proof = new SignedJWT(new JWSHeader.Builder(alg).type(new JOSEObjectType("dpop+jwt"))
          .jwk(key.toPublicJWK()).build(), new JWTClaimsSet.Builder().jwtID(UUID.randomUUID().toString())
          .claim("htm", "GET").claim("htu", htu).issueTime(new Date()).claim("ath", ath).build());
      proof.sign(signer);
      return proof.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A GET of {@link #HTU} carrying {@code proof}: only what the proof check reads is answered. */
  static HttpServletRequest request(String proof) {
    List<String> header = List.of(proof);
    return (HttpServletRequest) Proxy.newProxyInstance(DpopBenchmarks.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (self, method, args) -> switch (method.getName()) {
          case "getMethod" -> "GET";
          case "getHeaders" -> "DPoP".equalsIgnoreCase((String) args[0])
              ? Collections.enumeration(header) : Collections.emptyEnumeration();
          case "getScheme" -> "https";
          case "getServerName" -> "api.example.com";
          case "getServerPort" -> 443;
          case "getRequestURI" -> "/orders";
          case "getDispatcherType" -> DispatcherType.REQUEST;
          case "getAttribute" -> null;
          case "setAttribute" -> null;
          case "hashCode" -> System.identityHashCode(self);
          case "equals" -> self == args[0];
          case "toString" -> "GET " + HTU;
          default -> throw new UnsupportedOperationException("the DPoP benchmark's request has no " + method);
        });
  }
}
