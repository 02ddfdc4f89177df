package dev.tokengate.internal.dpop;

import static dev.tokengate.BearerError.INVALID_REQUEST;
import static dev.tokengate.BearerError.INVALID_TOKEN;

import com.nimbusds.jose.util.Base64URL;
import dev.tokengate.BearerError;
import dev.tokengate.ClientPrincipal;
import dev.tokengate.DpopMode;
import dev.tokengate.TokenGateConfig;
import dev.tokengate.TokenRejectedException;
import dev.tokengate.TrustedIssuer;
import dev.tokengate.internal.http.BearerTokenExtractor;
import dev.tokengate.internal.http.ErrorResponses;
import dev.tokengate.spi.DpopReplayStore;
import dev.tokengate.spi.ReplayStoreUnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.HashSet;
import java.util.TreeSet;

/**
 * The filter's DPoP side (RFC 9449): finds the {@code DPoP} scheme's token, checks a request's proof and the token's
 * binding to its key after the token itself was validated (so the validated-token cache keeps serving the token's
 * checks, while the proof, new on every request, is checked on every request), refuses bound tokens sent as Bearer,
 * and writes the {@code DPoP} challenges. Inactive (every method a no-op) when no trusted issuer uses DPoP.
 */
public final class DpopGate {
  private static final String SCHEME = "dpop";
  private static final String SCHEME_ATTRIBUTE = DpopGate.class.getName() + ".scheme";

  private static final String NONCE_ATTRIBUTE = DpopGate.class.getName() + ".nonce";

  private final Map<String, DpopMode> modes;
  private final Set<String> nonceIssuers;
  private final DpopNonces nonces;
  private final boolean active;
  private final boolean bearerAccepted;
  private final DpopProofVerifier verifier;
  private final DpopReplayStore replayStore;
  private final URI externalBaseUrl;
  private final Duration maxAge;
  private final Clock clock;
  private final int maxTokenLength;
  private final String algs;

  public DpopGate(TokenGateConfig config) {
    Map<String, DpopMode> byIssuer = new HashMap<>();
    for (TrustedIssuer trusted : config.trustedIssuers()) {
      byIssuer.put(trusted.issuer(), trusted.dpopMode());
    }
    this.modes = Map.copyOf(byIssuer);
    Set<String> withNonces = new HashSet<>();
    for (TrustedIssuer trusted : config.trustedIssuers()) {
      if (trusted.dpopNonce()) {
        withNonces.add(trusted.issuer());
      }
    }
    this.nonceIssuers = Set.copyOf(withNonces);
    this.nonces = nonceIssuers.isEmpty() ? null : new DpopNonces(config.dpopNonceSecret().orElseThrow(),
        config.dpopNonceRotation(), config.clock());
    this.active = modes.values().stream().anyMatch(mode -> mode != DpopMode.OFF);
    this.bearerAccepted = modes.values().stream().anyMatch(mode -> mode != DpopMode.REQUIRED);
    int maxProofLength = Math.max(config.maxTokenLength(), 8192);
    this.verifier = new DpopProofVerifier(config.dpopAlgorithms(), config.dpopProofMaxAge(), config.clockSkew(),
        config.clock(), maxProofLength);
    this.replayStore = config.dpopReplayStore().orElse(null);
    this.externalBaseUrl = config.dpopExternalBaseUrl().orElse(null);
    this.maxAge = config.dpopProofMaxAge();
    this.clock = config.clock();
    this.maxTokenLength = config.maxTokenLength();
    this.algs = String.join(" ", config.dpopAlgorithms());
  }

  /** Whether any trusted issuer uses DPoP. */
  public boolean active() {
    return active;
  }

  /**
   * The token of an {@code Authorization: DPoP <token>} header; empty when the request uses another scheme or none,
   * or when no issuer uses DPoP (the scheme is then unknown here, as before DPoP). Marks the request, so that later
   * refusals of it carry the DPoP challenge.
   *
   * @throws TokenRejectedException {@code invalid_request} for a malformed header, {@code invalid_token} for a token
   *     over the length limit
   */
  public Optional<String> schemeToken(HttpServletRequest request) throws TokenRejectedException {
    if (!active) {
      return Optional.empty();
    }
    Enumeration<String> headers = request.getHeaders("Authorization");
    if (headers == null || !headers.hasMoreElements()) {
      return Optional.empty();
    }
    String value = headers.nextElement();
    if (headers.hasMoreElements()) {
      return Optional.empty(); // two Authorization headers: the Bearer extractor refuses them
    }
    int space = value.indexOf(' ');
    String scheme = (space < 0 ? value : value.substring(0, space)).toLowerCase(Locale.ROOT);
    if (!scheme.equals(SCHEME)) {
      return Optional.empty();
    }
    request.setAttribute(SCHEME_ATTRIBUTE, Boolean.TRUE);
    String token = space < 0 ? "" : value.substring(space + 1).strip();
    if (token.isEmpty()) {
      throw new TokenRejectedException(INVALID_REQUEST, "The DPoP credentials are empty");
    }
    if (token.length() > maxTokenLength) {
      throw new TokenRejectedException(INVALID_TOKEN, "The access token is too long");
    }
    if (!BearerTokenExtractor.isB64Token(token)) {
      throw new TokenRejectedException(INVALID_REQUEST, "The DPoP credentials are not a valid token68");
    }
    return Optional.of(token);
  }

  /** Whether the request came with the DPoP scheme, so that its refusals answer with the DPoP challenge. */
  public boolean usedScheme(HttpServletRequest request) {
    return active && request.getAttribute(SCHEME_ATTRIBUTE) != null;
  }

  /**
   * For a token sent as Bearer: refuses it when its issuer requires DPoP, or when it is DPoP-bound ({@code cnf.jkt})
   * and its issuer uses DPoP, since a bound token without its proof is exactly what a thief would send.
   */
  public void checkBearer(ClientPrincipal principal) throws TokenRejectedException {
    DpopMode mode = modeOf(principal);
    if (mode == DpopMode.OFF) {
      return;
    }
    if (mode == DpopMode.REQUIRED) {
      throw new TokenRejectedException(INVALID_TOKEN,
          "This API requires DPoP: send the access token with the DPoP scheme and a DPoP proof");
    }
    if (boundThumbprint(principal) != null) {
      throw new TokenRejectedException(INVALID_TOKEN,
          "The access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof");
    }
  }

  /**
   * For a token sent with the DPoP scheme and already validated: checks the request's proof (RFC 9449 §4.3), that
   * the token is bound to the proof's key, and that the proof was not used before (§11.1), which is recorded last,
   * once everything else passed, so that a refused request does not use up a proof.
   *
   * @throws TokenRejectedException {@code invalid_token} when the token's issuer does not use DPoP, or the token is
   *     not bound to the proof's key
   * @throws DpopProofException when the proof is missing, invalid, or replayed
   * @throws ReplayStoreUnavailableException when the replay store cannot answer
   */
  public void checkProof(HttpServletRequest request, String token, ClientPrincipal principal)
      throws TokenRejectedException, DpopProofException {
    if (modeOf(principal) == DpopMode.OFF) {
      throw new TokenRejectedException(INVALID_TOKEN, "The access token's issuer does not use DPoP here");
    }
    String proofText = singleProof(request);
    DpopProofVerifier.Proof proof =
        verifier.verify(proofText, request.getMethod(), TargetUri.of(request, externalBaseUrl), token);
    String bound = boundThumbprint(principal);
    if (bound == null) {
      throw new TokenRejectedException(INVALID_TOKEN, "The access token is not DPoP-bound (no cnf.jkt claim)");
    }
    if (!bound.equals(proof.thumbprint())) {
      throw new TokenRejectedException(INVALID_TOKEN, "The access token is bound to another key than the DPoP proof's");
    }
    if (nonceIssuers.contains(principal.issuer())) {
      if (proof.nonce() == null) {
        throw DpopProofException.nonceNeeded("The DPoP proof needs a nonce from this server");
      }
      if (!nonces.accepts(proof.nonce())) {
        throw DpopProofException.nonceNeeded("The DPoP proof's nonce is stale or not from this server");
      }
      if (!proof.nonce().equals(nonces.current())) {
        // Accepted, but about to expire: hand the client the next one with this response (§8.2).
        request.setAttribute(NONCE_ATTRIBUTE, nonces.current());
      }
    }
    // One second past the last instant the verifier accepts the proof (iat + max age, inclusive), so that the entry
    // never expires while the proof could still pass.
    Duration lifetime = Duration.between(clock.instant(), proof.issuedAt().plus(maxAge)).plusSeconds(1);
    if (lifetime.compareTo(Duration.ofSeconds(1)) < 0) {
      lifetime = Duration.ofSeconds(1);
    }
    boolean first;
    try {
      first = replayStore.firstUse(proofId(proof), lifetime);
    } catch (ReplayStoreUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      // Whatever a custom store throws means the same: whether the proof is new cannot be told.
      throw new ReplayStoreUnavailableException("The DPoP replay store failed: " + e, Duration.ofSeconds(1), e);
    }
    if (!first) {
      throw new DpopProofException("The DPoP proof was used before");
    }
  }

  private static String singleProof(HttpServletRequest request) throws DpopProofException {
    Enumeration<String> headers = request.getHeaders("DPoP");
    List<String> values = headers == null ? List.of() : Collections.list(headers);
    if (values.isEmpty()) {
      throw new DpopProofException("The request has no DPoP proof header");
    }
    if (values.size() > 1) {
      throw new DpopProofException("The request has more than one DPoP header");
    }
    return values.get(0).strip();
  }

  private DpopMode modeOf(ClientPrincipal principal) {
    return modes.getOrDefault(principal.issuer(), DpopMode.OFF);
  }

  /**
   * The token's {@code cnf.jkt}; {@code null} when it has no {@code cnf} or no {@code jkt} in it.
   *
   * @throws TokenRejectedException when {@code cnf} or {@code jkt} are not what RFC 7800 and RFC 9449 say they are
   */
  private static String boundThumbprint(ClientPrincipal principal) throws TokenRejectedException {
    Object cnf = principal.claims().get("cnf");
    if (cnf == null) {
      return null;
    }
    if (!(cnf instanceof Map<?, ?> confirmation)) {
      throw new TokenRejectedException(INVALID_TOKEN, "The access token's cnf claim is not a JSON object");
    }
    Object jkt = confirmation.get("jkt");
    if (jkt == null) {
      return null;
    }
    if (!(jkt instanceof String thumbprint) || thumbprint.isEmpty()) {
      throw new TokenRejectedException(INVALID_TOKEN, "The access token's cnf.jkt is not a thumbprint");
    }
    return thumbprint;
  }

  /** A fixed-length id of the proof for the replay store: never the client's strings themselves. */
  private static String proofId(DpopProofVerifier.Proof proof) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(proof.thumbprint().getBytes(StandardCharsets.US_ASCII));
      sha256.update((byte) ' ');
      sha256.update(proof.jti().getBytes(StandardCharsets.UTF_8));
      return Base64URL.encode(sha256.digest()).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  // ---- answers (RFC 9449 §7.1) ----

  /**
   * 401 for a request without a token: the Bearer challenge (unless every issuer requires DPoP) and the DPoP one
   * (RFC 9449 §7.1), or the Bearer challenge alone when no issuer uses DPoP.
   */
  public void challenge(HttpServletResponse response, ErrorResponses responses) throws IOException {
    if (!active) {
      responses.challenge(response);
      return;
    }
    String dpopChallenge = challenge(responses, null, null, null);
    responses.challenge(response,
        bearerAccepted ? List.of("Bearer " + responses.realmParameters(), dpopChallenge) : List.of(dpopChallenge));
  }

  /**
   * 401 {@code invalid_dpop_proof} with the DPoP challenge, or {@code use_dpop_nonce} with a fresh nonce in {@code
   * DPoP-Nonce} (RFC 9449 §9).
   */
  public void rejectProof(HttpServletResponse response, ErrorResponses responses, DpopProofException e)
      throws IOException {
    String error = e.nonceNeeded() ? "use_dpop_nonce" : "invalid_dpop_proof";
    if (e.nonceNeeded()) {
      response.setHeader("DPoP-Nonce", nonces.current());
    }
    responses.reject(response, 401, error, e.description(),
        List.of(challenge(responses, error, e.description(), null)));
  }

  /**
   * Sets {@code DPoP-Nonce} on the response of an accepted request whose nonce was the previous one, so the client
   * moves on to the current one before its nonce stops being accepted.
   */
  public void offerNextNonce(HttpServletRequest request, HttpServletResponse response) {
    if (request.getAttribute(NONCE_ATTRIBUTE) instanceof String next) {
      response.setHeader("DPoP-Nonce", next);
    }
  }

  /** A token refusal of a DPoP-scheme request: the usual status and error, with the DPoP challenge. */
  public void rejectToken(HttpServletResponse response, ErrorResponses responses, TokenRejectedException e)
      throws IOException {
    BearerError error = e.error();
    responses.reject(response, error.httpStatus(), error.code(), e.description(),
        List.of(challenge(responses, error.code(), e.description(), e.requiredScopes().isEmpty() ? null
            : String.join(" ", new TreeSet<>(e.requiredScopes())))));
  }

  /**
   * A Bearer token refused by {@link #checkBearer}: the Bearer challenge with the error, and the DPoP challenge
   * beside it, which says how to send the token instead.
   */
  public void rejectBearer(HttpServletResponse response, ErrorResponses responses, TokenRejectedException e)
      throws IOException {
    List<String> challenges = new ArrayList<>(2);
    challenges.add(responses.challenge(e.error(), e.description(), e.requiredScopes()));
    challenges.add(challenge(responses, null, null, null));
    responses.reject(response, e.error().httpStatus(), e.error().code(), e.description(), challenges);
  }

  /** 503 with {@code Retry-After}: the replay store cannot say whether the proof is new. */
  public void unavailable(HttpServletResponse response, ErrorResponses responses, Duration retryAfter)
      throws IOException {
    responses.unavailable(response, retryAfter,
        "The DPoP proof could not be checked because the replay store is unavailable");
  }

  private String challenge(ErrorResponses responses, String error, String description, String scope) {
    StringBuilder value = new StringBuilder("DPoP ").append(responses.realmParameters());
    if (error != null) {
      value.append(", error=\"").append(error).append("\", error_description=\"")
          .append(ErrorResponses.safe(description)).append('"');
    }
    if (scope != null) {
      value.append(", scope=\"").append(ErrorResponses.safe(scope)).append('"');
    }
    return value.append(", algs=\"").append(algs).append('"').toString();
  }

}
