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
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.tokengate.testing.JwksServer;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * The keys and tokens every benchmark uses, and the loopback JWKS server that publishes the keys.
 *
 * <p>Generated once and kept in a file ({@code bench.tokengate.fixture}, default {@code target/bench-fixture.properties})
 * so that every JMH fork, and both thread counts, measure the very same tokens. Tokens carry {@code typ: JWT}: Spring
 * Security's default validators and Nimbus's default type verifier refuse {@code at+jwt}, and every library must see
 * the same bytes.
 */
public final class Fixture {
  /** A fixed issuer: the JWKS server's port changes per fork, so every library is given the JWKS URL directly. */
  public static final String ISSUER = "https://login.example.com/realms/api";
  public static final String AUDIENCE = "api";

  private static volatile Fixture instance;

  private final RSAKey rsa;
  private final ECKey ec;
  private final Map<String, String> tokens;
  private final JwksServer jwks;

  private Fixture(RSAKey rsa, ECKey ec, Map<String, String> tokens) {
    this.rsa = rsa;
    this.ec = ec;
    this.tokens = tokens;
    this.jwks = JwksServer.start().publishJwks(List.of(rsa.toPublicJWK().toJSONObject(), ec.toPublicJWK().toJSONObject()));
  }

  /** The fixture of this JVM: loaded from the fixture file, or generated and saved there. */
  public static Fixture get() {
    Fixture fixture = instance;
    if (fixture == null) {
      synchronized (Fixture.class) {
        fixture = instance;
        if (fixture == null) {
          fixture = loadOrCreate(Path.of(System.getProperty("bench.tokengate.fixture",
              "target/bench-fixture.properties")));
          instance = fixture;
        }
      }
    }
    return fixture;
  }

  /** Stops this JVM's JWKS server; the next {@link #get()} starts a new one with the same keys and tokens. */
  public static void release() {
    synchronized (Fixture.class) {
      if (instance != null) {
        instance.jwks.close();
        instance = null;
      }
    }
  }

  /** The token signed with {@code alg} (RS256, PS256 with the same RSA key, or ES256). */
  public String token(String alg) {
    String token = tokens.get(alg);
    if (token == null) {
      throw new IllegalArgumentException("no token for " + alg);
    }
    return token;
  }

  /** The token with one signature character changed: every benchmark must refuse it. */
  public String tampered(String alg) {
    return tamper(token(alg));
  }

  /** The JWKS URL on loopback. */
  public String jwksUri() {
    return jwks.jwksUri();
  }

  public int jwksRequests() {
    return jwks.jwksRequests();
  }

  public RSAKey rsa() {
    return rsa;
  }

  public ECKey ec() {
    return ec;
  }

  /** Signs the typical benchmark payload for another client, e.g. to make many distinct tokens. */
  public String sign(String alg, String clientId, Instant now, Duration lifetime) {
    return sign(rsa, ec, alg, payload(clientId, now, lifetime));
  }

  static String tamper(String token) {
    int at = token.lastIndexOf('.') + 10;
    char changed = token.charAt(at) == '0' ? '1' : '0';
    return token.substring(0, at) + changed + token.substring(at + 1);
  }

  private static String sign(RSAKey rsa, ECKey ec, String alg, String payload) {
    try {
      JWSSigner signer;
      String kid;
      if (alg.equals("RS256") || alg.equals("PS256")) {
        signer = new RSASSASigner(rsa);
        kid = rsa.getKeyID();
      } else if (alg.equals("ES256")) {
        signer = new ECDSASigner(ec);
        kid = ec.getKeyID();
      } else {
        throw new IllegalArgumentException("unsupported " + alg);
      }
      JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.parse(alg)).keyID(kid)
          .type(JOSEObjectType.JWT).build(), new Payload(payload));
      jws.sign(signer);
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A client-credentials access token's claims as Keycloak or Auth0 would issue them, about 800 bytes of JSON. */
  static String payload(String clientId, Instant now, Duration lifetime) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("iss", ISSUER);
    claims.put("sub", "service-account-" + clientId);
    claims.put("aud", List.of(AUDIENCE, "https://api.example.com/orders"));
    claims.put("client_id", clientId);
    claims.put("azp", clientId);
    claims.put("scope", "orders:read orders:write countries:read inventory:read invoices:read shipments:write");
    claims.put("iat", now.getEpochSecond());
    claims.put("nbf", now.getEpochSecond());
    claims.put("exp", now.plus(lifetime).getEpochSecond());
    claims.put("auth_time", now.getEpochSecond());
    claims.put("jti", UUID.randomUUID().toString());
    claims.put("typ", "Bearer");
    claims.put("sid", UUID.randomUUID().toString());
    claims.put("acr", "1");
    claims.put("tenant_id", "6f1c2b7a-3e9d-4f50-9a8b-1c2d3e4f5a6b");
    claims.put("realm_access", Map.of("roles", List.of("default-roles-api", "offline_access", "uma_authorization")));
    claims.put("resource_access", Map.of("orders-api", Map.of("roles", List.of("orders-reader", "orders-writer"))));
    claims.put("clientHost", "10.24.3.117");
    claims.put("clientAddress", "10.24.3.117");
    claims.put("preferred_username", "service-account-" + clientId);
    return JSONObjectUtils.toJSONString(claims);
  }

  private static Fixture loadOrCreate(Path file) {
    try {
      if (Files.exists(file)) {
        Properties saved = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          saved.load(in);
        }
        long validUntil = Long.parseLong(saved.getProperty("valid-until", "0"));
        if (Instant.now().plus(Duration.ofDays(1)).getEpochSecond() < validUntil && saved.getProperty("PS256") != null) {
          return new Fixture(RSAKey.parse(saved.getProperty("rsa")), ECKey.parse(saved.getProperty("ec")),
              Map.of("RS256", saved.getProperty("RS256"), "ES256", saved.getProperty("ES256"), "PS256",
                  saved.getProperty("PS256")));
        }
      }
      RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-2048").keyUse(KeyUse.SIGNATURE).generate();
      ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-p256").keyUse(KeyUse.SIGNATURE).generate();
      Instant now = Instant.now();
      Duration lifetime = Duration.ofDays(7);
      String payload = payload("orders-service", now, lifetime);
      Map<String, String> tokens = Map.of("RS256", sign(rsa, ec, "RS256", payload), "ES256",
          sign(rsa, ec, "ES256", payload), "PS256", sign(rsa, ec, "PS256", payload));
      Properties saved = new Properties();
      saved.setProperty("rsa", rsa.toJSONString());
      saved.setProperty("ec", ec.toJSONString());
      saved.setProperty("RS256", tokens.get("RS256"));
      saved.setProperty("ES256", tokens.get("ES256"));
      saved.setProperty("PS256", tokens.get("PS256"));
      saved.setProperty("valid-until", Long.toString(now.plus(lifetime).getEpochSecond()));
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        saved.store(out, "tokengate benchmark keys and tokens; private keys for benchmarks only");
      }
      return new Fixture(rsa, ec, tokens);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ParseException | JOSEException e) {
      throw new IllegalStateException("cannot read or make the benchmark fixture " + file, e);
    }
  }

}
