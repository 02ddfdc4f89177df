package dev.tokengate.internal.token;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Refuses signed JWTs that say in their claims that they are something other than an access token.
 *
 * <p>The {@code typ} header tells access tokens apart only when the issuer sends {@code at+jwt} (RFC 9068 §2.1);
 * Keycloak and Entra ID send {@code JWT}, which the lenient policy accepts, and an issuer signs its ID, refresh and
 * logout tokens with the same keys. Some issuers name the kind in the payload instead, and those names are trusted
 * here, whichever {@code typ} policy is set:
 *
 * <ul>
 *   <li>Keycloak: claim {@code typ} is {@code Bearer} (or {@code DPoP}) on access tokens, {@code ID}, {@code Refresh},
 *       {@code Offline}, {@code Logout} or {@code Serialized-ID} on the others ({@code org.keycloak.util.TokenUtil});
 *       the latter, and their spelled-out forms, are refused.
 *   <li>Amazon Cognito: claim {@code token_use} is {@code access} or {@code id}; anything but {@code access} is refused.
 *   <li>Security Event Tokens (RFC 8417), OpenID Connect back-channel logout tokens among them, carry an {@code events}
 *       claim, which RFC 8417 §4.1 tells other JWTs not to use; a token with one is refused.
 * </ul>
 *
 * Other JWT profiles announce themselves in the {@code typ} header ({@code secevent+jwt}, {@code logout+jwt}, {@code
 * dpop+jwt}), which both policies refuse already. ID tokens without such a marker (Entra ID, Okta, Auth0) are kept
 * out by the audience check: their {@code aud} is the client they were issued to, not this API.
 */
final class TokenKind {
  private static final Set<String> KEYCLOAK_OTHER_TYPES = Set.of("id", "id_token", "refresh", "refresh_token",
      "offline", "logout", "logout_token", "serialized-id");

  private TokenKind() {}

  /** Whether the claims say the token is not an access token. */
  static boolean isOtherThanAccessToken(Map<String, Object> claims) {
    if (claims.containsKey("events")) {
      return true;
    }
    Object tokenUse = claims.get("token_use");
    if (tokenUse != null && !"access".equals(tokenUse)) {
      return true;
    }
    return claims.get("typ") instanceof String type && KEYCLOAK_OTHER_TYPES.contains(type.toLowerCase(Locale.ROOT));
  }
}
