package dev.tokengate.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * The access-token shapes of the identity providers tokengate users run, for {@link TokenBuilder#shapedLike}: so a
 * test can check offline that an API's configuration accepts (or refuses) that provider's client-credentials tokens.
 *
 * <p>A preset changes the <em>form</em> of a token as the vendor documents it: the {@code typ} header, which claim
 * carries the client id and the scopes (string or array), the form of {@code aud}, and the claims the vendor adds. It
 * keeps the <em>values</em> the test chose: {@code iss} stays the mock issuer's URL (so the token validates against
 * it), the audience, the client id and the scopes stay what they were. The issuer URL forms each vendor uses are
 * noted for reference only.
 */
public enum IdpPreset {
  /**
   * Keycloak, a service-account (client-credentials) token: header {@code typ: JWT}; the client id in {@code azp},
   * no {@code client_id}; {@code aud} a single string (Keycloak sends the API's audience only when an audience mapper
   * adds it, so configure one); {@code scope} a space-separated string (empty when the client has no optional
   * scopes); {@code sub} the service-account user's id; the claim {@code typ: Bearer} and {@code preferred_username:
   * service-account-<client>}. Keycloak's issuer is {@code https://<host>/realms/<realm>}.
   *
   * @see <a href="https://www.keycloak.org/docs/latest/server_admin/#_service_accounts">Keycloak Server
   *     Administration: service accounts</a>
   * @see <a href="https://www.keycloak.org/docs/latest/server_admin/#_oidc_token_and_keys">Keycloak: OIDC tokens</a>
   */
  KEYCLOAK {
    @Override
    void reshape(TokenBuilder token, String clientId) {
      token.type("JWT");
      token.clientIdClaim("azp");
      token.scopeClaim("scope", false);
      token.audience(firstAudience(token));
      token.subject(UUID.nameUUIDFromBytes(String.valueOf(clientId).getBytes(StandardCharsets.UTF_8)).toString());
      token.claim("typ", "Bearer");
      token.claim("preferred_username", "service-account-" + clientId);
      token.claim("acr", "1");
    }
  },

  /**
   * Microsoft Entra ID, a v2.0 app-only (client-credentials) access token: header {@code typ: JWT}; the calling
   * application's id in {@code azp} (v1.0 tokens use {@code appid}); application permissions as a {@code roles}
   * array (app-only tokens carry no {@code scp}, which holds delegated scopes, space-separated); {@code aud} the API's
   * application id as a string; {@code ver: "2.0"}, {@code tid}, {@code oid}, {@code azpacr} and {@code idtyp: app}.
   * Entra's v2.0 issuer is {@code https://login.microsoftonline.com/<tenant-id>/v2.0}. tokengate reads {@code roles}
   * as scopes only when {@code scope-claims} names it.
   *
   * @see <a href="https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference">Microsoft
   *     identity platform: access token claims reference</a>
   */
  ENTRA_ID {
    @Override
    void reshape(TokenBuilder token, String clientId) {
      token.type("JWT");
      token.clientIdClaim("azp");
      token.scopeClaim("roles", true);
      token.audience(firstAudience(token));
      String objectId = UUID.randomUUID().toString();
      token.subject(objectId);
      token.claim("oid", objectId);
      token.claim("tid", UUID.nameUUIDFromBytes(new byte[] {1}).toString());
      token.claim("ver", "2.0");
      token.claim("azpacr", "1");
      token.claim("idtyp", "app");
    }
  },

  /**
   * Auth0, a machine-to-machine token in Auth0's default token profile: header {@code typ: JWT}; the client id in
   * {@code azp}; {@code sub} {@code <client-id>@clients}; {@code scope} a space-separated string (with RBAC, also a
   * {@code permissions} array: see {@link TokenBuilder#claim}); {@code gty: client-credentials}; {@code aud} the API
   * identifier, a string. Auth0's issuer is {@code https://<tenant>.auth0.com/}, with the trailing slash. (Auth0's
   * "RFC 9068" profile sends {@code typ: at+jwt} and {@code client_id} instead, as this kit does by default.)
   *
   * @see <a href="https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles">Auth0: access token
   *     profiles</a>
   */
  AUTH0 {
    @Override
    void reshape(TokenBuilder token, String clientId) {
      token.type("JWT");
      token.clientIdClaim("azp");
      token.scopeClaim("scope", false);
      token.audience(firstAudience(token));
      token.subject(clientId + "@clients");
      token.claim("gty", "client-credentials");
      token.jti(null);
    }
  },

  /**
   * Okta (a custom authorization server), a client-credentials token: no {@code typ} header; the client id in {@code
   * cid}; scopes as an {@code scp} array; {@code sub} the client id; {@code aud} a string (e.g. {@code
   * api://default}); {@code ver: 1} and a {@code jti} of the form {@code AT.<id>}. Okta's issuer is {@code
   * https://<domain>/oauth2/<server-id>}.
   *
   * @see <a href="https://developer.okta.com/docs/reference/api/oidc/#access-token">Okta OpenID Connect &amp; OAuth
   *     2.0 API: access token</a>
   */
  OKTA {
    @Override
    void reshape(TokenBuilder token, String clientId) {
      token.type(null);
      token.clientIdClaim("cid");
      token.scopeClaim("scp", true);
      token.audience(firstAudience(token));
      token.subject(clientId);
      token.claim("ver", 1);
      token.jti("AT." + UUID.randomUUID().toString().replace("-", ""));
    }
  },

  /**
   * Amazon Cognito user pools, a machine-to-machine (client-credentials) access token: no {@code typ} header; {@code
   * client_id}; {@code scope} a space-separated string of {@code <resource-server>/<scope>} names; {@code token_use:
   * access}; {@code sub} the client id; {@code version: 2}; and <strong>no {@code aud}</strong>, so an API checks
   * {@code client_id} and scopes instead (tokengate: {@code allow-any-audience}). Cognito's issuer is {@code
   * https://cognito-idp.<region>.amazonaws.com/<user-pool-id>}.
   *
   * @see <a href="https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html">Amazon
   *     Cognito: understanding the access token</a>
   */
  COGNITO {
    @Override
    void reshape(TokenBuilder token, String clientId) {
      token.type(null);
      token.clientIdClaim("client_id");
      token.scopeClaim("scope", false);
      token.audience(null);
      token.claim("nbf", null);
      token.subject(clientId);
      token.claim("token_use", "access");
      token.claim("version", 2);
      token.claim("auth_time", token.claimValue("iat"));
    }
  },

  /**
   * Spring Authorization Server (in Spring Security 7), a client-credentials token from its {@code JwtGenerator}: no
   * {@code typ} header (only {@code alg} and {@code kid}); no {@code client_id}: the client id is {@code sub}; {@code
   * aud} an array holding the client id (customize with an {@code OAuth2TokenCustomizer}); {@code scope} an array of
   * strings; {@code iat}, {@code nbf}, {@code exp}, {@code jti}. Checked against {@code JwtGenerator} of
   * spring-security-oauth2-authorization-server 7.1.1.
   *
   * @see <a href="https://docs.spring.io/spring-security/reference/servlet/oauth2/authorization-server/core-model-components.html">Spring
   *     Authorization Server: core model and components (OAuth2TokenGenerator)</a>
   */
  SPRING_AUTHORIZATION_SERVER {
    @Override
    void reshape(TokenBuilder token, String clientId) {
      token.type(null);
      token.clientIdClaim("sub");
      token.scopeClaim("scope", true);
      token.audiences(firstAudience(token));
          }
  };

  /** Changes the token's form; {@link TokenBuilder#shapedLike} re-sets client id and scopes afterwards. */
  abstract void reshape(TokenBuilder token, String clientId);

  private static String firstAudience(TokenBuilder token) {
    Object aud = token.claimValue("aud");
    if (aud instanceof List<?> list) {
      return list.isEmpty() ? null : String.valueOf(list.get(0));
    }
    return aud == null ? null : aud.toString();
  }
}
