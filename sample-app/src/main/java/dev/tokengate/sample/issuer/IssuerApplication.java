package dev.tokengate.sample.issuer;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.tokengate.sample.DemoClients;
import dev.tokengate.spring.TokenGateAutoConfiguration;
import com.nimbusds.jose.util.Base64URL;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;
import org.springframework.security.oauth2.server.authorization.client.InMemoryRegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.settings.AuthorizationServerSettings;
import org.springframework.security.oauth2.server.authorization.settings.ClientSettings;
import org.springframework.security.oauth2.server.authorization.settings.TokenSettings;
import org.springframework.security.oauth2.server.authorization.token.JwtEncodingContext;
import org.springframework.security.oauth2.server.authorization.settings.OAuth2TokenFormat;
import org.springframework.security.oauth2.server.authorization.token.DelegatingOAuth2TokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.JwtGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2AccessTokenGenerator;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenClaimsContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenContext;
import org.springframework.security.oauth2.server.authorization.token.OAuth2TokenCustomizer;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.server.authorization.OAuth2TokenType;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The demo's authorization server: Spring Authorization Server issuing client-credentials JWT access tokens shaped
 * as RFC 9068 describes ({@code typ} {@code at+jwt}, {@code aud} the API, {@code client_id}, a space-separated
 * {@code scope}), signed RS256 with a key generated at start-up. It serves {@code /oauth2/token}, {@code
 * /oauth2/jwks}, {@code /oauth2/introspect}, {@code /oauth2/revoke} and {@code /.well-known/oauth-authorization-server}.
 * {@link DemoClients#INVENTORY_SERVICE} gets opaque ("reference") tokens instead, which the API introspects as
 * {@link DemoClients#SAMPLE_API}.
 *
 * <p>Settings: {@code sample.issuer-uri} (the {@code iss} of every token; when absent, derived from each request's
 * URL), {@code sample.audience}, {@code sample.token-ttl}, and {@code sample.mtls-client-jwk-set-url}: when set, a
 * client {@code mtls-service} is registered that authenticates with a self-signed TLS client certificate published
 * (as {@code x5c}) in the JWK set at that URL ({@code self_signed_tls_client_auth}, RFC 8705 §2.2, so the issuer must
 * run on TLS asking for client certificates) and gets certificate-bound tokens ({@code cnf.x5t#S256}, RFC 8705 §3).
 */
@Configuration(proxyBeanMethods = false)
// No tokengate here, even if a TOKENGATE_ISSUER environment variable happens to be set: this is the issuer.
@EnableAutoConfiguration(exclude = {UserDetailsServiceAutoConfiguration.class, TokenGateAutoConfiguration.class})
public class IssuerApplication {

  @Bean
  SecurityFilterChain authorizationServer(HttpSecurity http, JwtEncoder encoder,
      OAuth2TokenCustomizer<JwtEncodingContext> accessTokenShape,
      OAuth2TokenCustomizer<OAuth2TokenClaimsContext> referenceTokenShape, ObjectProvider<Clock> clock)
      throws Exception {
    JwtGenerator jwts = new JwtGenerator(encoder);
    jwts.setJwtCustomizer(accessTokenShape);
    jwts.setClock(clock.getIfAvailable(Clock::systemUTC));
    // Clients with TokenSettings.accessTokenFormat(REFERENCE) get opaque tokens from this one.
    OAuth2AccessTokenGenerator references = new OAuth2AccessTokenGenerator();
    references.setAccessTokenCustomizer(referenceTokenShape);
    references.setClock(clock.getIfAvailable(Clock::systemUTC));
    DelegatingOAuth2TokenGenerator tokens = new DelegatingOAuth2TokenGenerator(jwts, references);
    http.oauth2AuthorizationServer(server -> server.tokenGenerator(tokens))
        .authorizeHttpRequests(requests -> requests.anyRequest().authenticated());
    return http.build();
  }

  @Bean
  RegisteredClientRepository registeredClients(@Value("${sample.token-ttl:5m}") Duration tokenTtl,
      @Value("${sample.mtls-client-jwk-set-url:}") String mtlsClientJwkSetUrl) {
    TokenSettings tokenSettings = TokenSettings.builder().accessTokenTimeToLive(tokenTtl).build();
    TokenSettings opaqueTokenSettings = TokenSettings.builder().accessTokenTimeToLive(tokenTtl)
        .accessTokenFormat(OAuth2TokenFormat.REFERENCE).build();
    RegisteredClient api = RegisteredClient.withId(DemoClients.SAMPLE_API.id())
        .clientId(DemoClients.SAMPLE_API.id())
        .clientSecret("{noop}" + DemoClients.SAMPLE_API.secret())
        .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
        .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
        .build();
    List<RegisteredClient> clients = new java.util.ArrayList<>(Stream.concat(Stream.of(api), DemoClients.ALL.stream()
        .map(client -> RegisteredClient.withId(client.id())
            .clientId(client.id())
            // {noop}: the demo secrets are stored in clear. A real issuer stores a hash, e.g. {bcrypt}.
            .clientSecret("{noop}" + client.secret())
            .clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
            .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
            .scopes(scopes -> scopes.addAll(client.scopes()))
            .tokenSettings(DemoClients.OPAQUE_TOKEN_CLIENTS.contains(client.id()) ? opaqueTokenSettings
                : tokenSettings)
            .build()))
        .toList());
    if (!mtlsClientJwkSetUrl.isEmpty()) {
      clients.add(RegisteredClient.withId(MTLS_CLIENT_ID)
          .clientId(MTLS_CLIENT_ID)
          .clientAuthenticationMethod(ClientAuthenticationMethod.SELF_SIGNED_TLS_CLIENT_AUTH)
          .clientSettings(ClientSettings.builder().jwkSetUrl(mtlsClientJwkSetUrl).build())
          .authorizationGrantType(AuthorizationGrantType.CLIENT_CREDENTIALS)
          .scope("countries:read")
          .tokenSettings(TokenSettings.builder().accessTokenTimeToLive(tokenTtl)
              .x509CertificateBoundAccessTokens(true).build())
          .build());
    }
    return new InMemoryRegisteredClientRepository(clients);
  }

  /** The client registered when {@code sample.mtls-client-jwk-set-url} is set. */
  public static final String MTLS_CLIENT_ID = "mtls-service";

  @Bean
  OAuth2TokenCustomizer<JwtEncodingContext> accessTokenShape(@Value("${sample.audience}") String audience) {
    return context -> {
      if (!OAuth2TokenType.ACCESS_TOKEN.equals(context.getTokenType())) {
        return;
      }
      // RFC 9068: typ at+jwt keeps an access token from being mistaken for an ID token, and the resource server
      // checks aud; Spring Authorization Server's default aud is the client id, which names the wrong party.
      context.getJwsHeader().type("at+jwt");
      context.getClaims()
          .audience(List.of(audience))
          .claim("client_id", context.getRegisteredClient().getClientId());
      // The token's confirmation (RFC 7800 cnf): the default customizer would add it; a custom one must itself.
      Map<String, Object> confirmation = new java.util.LinkedHashMap<>();
      // DPoP (RFC 9449 §6): a token request with a verified DPoP proof gets a token bound to the proof's key.
      if (context.get(OAuth2TokenContext.DPOP_PROOF_KEY) instanceof Jwt proof
          && proof.getHeaders().get("jwk") instanceof Map<?, ?> jwk) {
        try {
          @SuppressWarnings("unchecked")
          Map<String, Object> members = (Map<String, Object>) jwk;
          confirmation.put("jkt", JWK.parse(members).computeThumbprint("SHA-256").toString());
        } catch (java.text.ParseException | com.nimbusds.jose.JOSEException e) {
          throw new IllegalStateException("A verified DPoP proof's jwk has no thumbprint", e);
        }
      }
      // mTLS (RFC 8705 §3): a client that authenticated with its certificate, registered for certificate-bound
      // tokens, gets a token bound to that certificate: the base64url SHA-256 of its DER.
      if (context.getAuthorizationGrant() != null
          && context.getAuthorizationGrant().getPrincipal() instanceof OAuth2ClientAuthenticationToken client
          && (ClientAuthenticationMethod.TLS_CLIENT_AUTH.equals(client.getClientAuthenticationMethod())
              || ClientAuthenticationMethod.SELF_SIGNED_TLS_CLIENT_AUTH.equals(client.getClientAuthenticationMethod()))
          && context.getRegisteredClient().getTokenSettings().isX509CertificateBoundAccessTokens()
          && client.getCredentials() instanceof X509Certificate[] chain && chain.length > 0) {
        try {
          confirmation.put("x5t#S256", Base64URL.encode(
              MessageDigest.getInstance("SHA-256").digest(chain[0].getEncoded())).toString());
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
          throw new IllegalStateException("The client certificate has no thumbprint", e);
        }
      }
      if (!confirmation.isEmpty()) {
        context.getClaims().claim("cnf", confirmation);
      }
      // Only the scopes the request asked for (least privilege), space-separated as RFC 9068 §2.2.3 writes them.
      if (context.getAuthorizedScopes().isEmpty()) {
        context.getClaims().claims(claims -> claims.remove("scope"));
      } else {
        context.getClaims().claim("scope", String.join(" ", context.getAuthorizedScopes()));
      }
    };
  }

  /**
   * The claims of an opaque token, which the introspection endpoint answers with: the API's audience and the client
   * id, as in the JWTs.
   */
  @Bean
  OAuth2TokenCustomizer<OAuth2TokenClaimsContext> referenceTokenShape(@Value("${sample.audience}") String audience) {
    return context -> context.getClaims()
        .audience(List.of(audience))
        .claim("client_id", context.getRegisteredClient().getClientId());
  }

  @Bean
  JWKSource<SecurityContext> signingKeys() throws NoSuchAlgorithmException {
    // A fresh key per start: tokens do not survive a restart of the demo, which is what a demo wants.
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    var pair = generator.generateKeyPair();
    RSAKey key = new RSAKey.Builder((RSAPublicKey) pair.getPublic())
        .privateKey((RSAPrivateKey) pair.getPrivate())
        .keyID(UUID.randomUUID().toString())
        .algorithm(JWSAlgorithm.RS256)
        .build();
    return new ImmutableJWKSet<>(new JWKSet(key));
  }

  @Bean
  JwtEncoder jwtEncoder(JWKSource<SecurityContext> keys) {
    return new NimbusJwtEncoder(keys);
  }

  @Bean
  AuthorizationServerSettings authorizationServerSettings(@Value("${sample.issuer-uri:}") String issuerUri) {
    AuthorizationServerSettings.Builder settings = AuthorizationServerSettings.builder();
    if (!issuerUri.isEmpty()) {
      settings.issuer(issuerUri);
    }
    return settings.build();
  }
}
