package dev.tokengate.spring.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * {@link TokenGateBearerTokenResolver}'s parsing, and that for a request with one {@code Authorization} header it
 * answers exactly as Spring Security's {@link DefaultBearerTokenResolver} (defaults: header only): the same token, or
 * both no token, or both {@code invalid_token} "Bearer token is malformed". What a real server lets through to the
 * resolver is {@code SpringSecurityBearerTokenResolverTest}'s part.
 *
 * <p>The request both resolvers read is a {@link Proxy} of {@link HttpServletRequest} that answers {@code getHeader}
 * and {@code getHeaders} for {@code Authorization} and throws for anything else, so a resolver reading more than the
 * header fails here. A parsing comparison over a few hundred thousand strings needs no server; a proxy keeps it to
 * the two methods read, where a mock request library would answer everything.
 */
class TokenGateBearerTokenResolverTest {
  private static final String MALFORMED = "invalid_token: Bearer token is malformed";

  private final BearerTokenResolver tokengate = new TokenGateBearerTokenResolver();
  private final BearerTokenResolver spring = new DefaultBearerTokenResolver();

  @Test
  void bearerHeader_givesTheToken_schemeInAnyCase() {
    assertThat(tokengate.resolve(request("Bearer abc.def-_~+/"))).isEqualTo("abc.def-_~+/");
    assertThat(tokengate.resolve(request("bearer abc"))).isEqualTo("abc");
    assertThat(tokengate.resolve(request("BEARER abc"))).isEqualTo("abc");
    assertThat(tokengate.resolve(request("bEaReR abc=="))).isEqualTo("abc==");
  }

  @Test
  void noHeader_anotherScheme_orEmpty_isNoToken() {
    assertThat(tokengate.resolve(request())).isNull();
    assertThat(tokengate.resolve(request("Basic dXNlcjpwYXNz"))).isNull();
    assertThat(tokengate.resolve(request("DPoP abc"))).isNull();
    assertThat(tokengate.resolve(request(""))).isNull();
    assertThat(tokengate.resolve(request(" Bearer abc"))).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer", "Bearer ", "Bearertoken", "Bearer  abc", "Bearer abc ", "Bearer\tabc",
      "Bearer abc\t", "Bearer abc,def", "Bearer a b", "Bearer =", "Bearer =abc", "Bearer abc=def", "Bearer abc\n",
      "Bearer abc\r\n", "Bearer é", "Bearer abc\u0000", "Bearer \u212a", "Bearers abc", "Bearer-abc"})
  void bearerHeaderOfAnotherShape_isInvalidToken(String authorization) {
    assertThat(outcome(tokengate, request(authorization))).isEqualTo(MALFORMED);
  }

  @Test
  void twoAuthorizationHeaders_areInvalidRequest_whateverTheyHold() {
    for (List<String> headers : List.of(List.of("Bearer abc", "Bearer abc"), List.of("Bearer abc", "Bearer def"),
        List.of("Bearer abc", "garbage"), List.of("Basic dXNlcjpwYXNz", "Bearer abc"), List.of("", ""),
        List.of("Bearer a", "Bearer b", "Bearer c"))) {
      assertThatThrownBy(() -> tokengate.resolve(request(headers.toArray(String[]::new))))
          .isInstanceOfSatisfying(OAuth2AuthenticationException.class, e -> {
            assertThat(e.getError().getErrorCode()).isEqualTo("invalid_request");
            assertThat(e.getError().getDescription()).isEqualTo("The request has more than one Authorization header");
          });
    }
    // What the starter's resolver is for: Spring's reads the first header alone.
    assertThat(spring.resolve(request("Bearer abc", "garbage"))).isEqualTo("abc");
  }

  @Test
  void agreesWithSpring_onHandPickedHeaders() {
    List<String> headers = new ArrayList<>(List.of("", " ", "B", "b", "Bearer", "bearer", "Bearer ", "Bearer  ",
        "Bearer a", "Bearer abc", "bearer abc", "BEARER abc", "BeArEr abc", "Bearer  abc", "Bearer abc ",
        "Bearer\tabc", " Bearer abc", "Bearerabc", "Bearer abc,def", "Bearer abc=", "Bearer abc==", "Bearer =",
        "Bearer ==abc", "Bearer abc=def", "Bearer abc=\n", "Bearer abc\n", "Bearer abc\r\n", "Bearer a b",
        "Basic dXNlcjpwYXNz", "Bearer-abc", "Bearers abc", "Beare abc", "Digest username=\"x\"", "DPoP abc",
        "Bearer abc\u0000", "Bearer é", "Bearer \uff41\uff42\uff43", "Bearer \u212a", "Bearer \u017f",
        "Bearer \u0131", "\u212aearer abc", "Bearer abc\ud83d\ude00", "Bearer \ud800", "Bearer eyJ.eyJ.sig",
        "Bearer abc/+~_-.", "Bearer ~~~", "Bearer ....", "Bearer a=====", "bearer\u00a0abc", "Bearer\u3000abc"));
    headers.add("Bearer " + jwtShapedToken(1500));
    headers.add("Bearer " + jwtShapedToken(1500) + " ");
    headers.add("Bearer " + jwtShapedToken(8000) + "==");
    for (String header : headers) {
      assertAgrees(header);
    }
  }

  /** Every character 0 to 0x7F put in, and put in place of, every position of a valid header, and appended. */
  @Test
  void agreesWithSpring_onEveryAsciiCharacter_atEveryPosition() {
    String valid = "Bearer aZ09-._~+/==";
    for (char c = 0; c < 0x80; c++) {
      for (int at = 0; at <= valid.length(); at++) {
        assertAgrees(valid.substring(0, at) + c + valid.substring(at));
        if (at < valid.length()) {
          assertAgrees(valid.substring(0, at) + c + valid.substring(at + 1));
        }
      }
      assertAgrees("Bearer " + c);
      assertAgrees(String.valueOf(c));
    }
  }

  /** Every UTF-16 code unit, surrogates included, in the scheme, in place of the space, and in and after the token. */
  @Test
  void agreesWithSpring_onEveryCharacter_inTheSchemeTheSpaceAndTheToken() {
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      String s = String.valueOf((char) c);
      assertAgrees("B" + s + "arer abc");
      assertAgrees("Beare" + s + " abc");
      assertAgrees("Bearer" + s + "abc");
      assertAgrees("Bearer " + s);
      assertAgrees("Bearer ab" + s + "c");
      assertAgrees("Bearer abc=" + s);
    }
  }

  private void assertAgrees(String authorization) {
    HttpServletRequest request = request(authorization);
    assertThat(outcome(tokengate, request)).as("Authorization: %s", printable(authorization))
        .isEqualTo(outcome(spring, request));
  }

  /** The token, "no token", or the error code and description. */
  private static String outcome(BearerTokenResolver resolver, HttpServletRequest request) {
    try {
      String token = resolver.resolve(request);
      return token == null ? "no token" : "token " + token;
    } catch (OAuth2AuthenticationException e) {
      return e.getError().getErrorCode() + ": " + e.getError().getDescription();
    }
  }

  /** A request with these {@code Authorization} header values, in order, and nothing else to read. */
  private static HttpServletRequest request(String... authorization) {
    List<String> values = List.of(authorization);
    return (HttpServletRequest) Proxy.newProxyInstance(TokenGateBearerTokenResolverTest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> {
          boolean authorizationHeader = args != null && args.length == 1 && "Authorization".equalsIgnoreCase(
              Objects.toString(args[0]));
          switch (method.getName()) {
            case "getHeader":
              return authorizationHeader && !values.isEmpty() ? values.get(0) : null;
            case "getHeaders":
              return Collections.enumeration(authorizationHeader ? values : List.of());
            case "toString":
              return "request with Authorization " + values.size() + " time(s)";
            default:
              throw new UnsupportedOperationException("A resolver read " + method.getName() + " of the request");
          }
        });
  }

  private static String jwtShapedToken(int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    StringBuilder token = new StringBuilder(length);
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < length; i++) {
      token.append(i == length / 3 || i == 2 * length / 3 ? '.' : alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return token.toString();
  }

  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().limit(40).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? Character.toString(c)
        : String.format("\\u%04x", c)));
    return text.length() > 40 ? out + "…" : out.toString();
  }
}
