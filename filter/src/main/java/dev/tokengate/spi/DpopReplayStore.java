package dev.tokengate.spi;

import java.time.Duration;

/**
 * Remembers which DPoP proofs were used, so that each is accepted once (<a
 * href="https://www.rfc-editor.org/rfc/rfc9449#section-11.1">RFC 9449 §11.1</a>): a proof captured on the way, or
 * logged, cannot be sent again.
 *
 * <p>The default keeps them in this process (bounded, each entry forgotten when its proof could no longer be accepted
 * anyway). Behind a load balancer a proof replayed against another instance would pass there; a store shared by the
 * fleet, such as {@code tokengate-redis}'s, closes that. Set one with {@link
 * dev.tokengate.TokenGateConfig.Builder#dpopReplayStore(DpopReplayStore)}, or, with the Spring Boot starter, declare
 * it as a bean; or name one by configuration, {@code dpop-replay-store=redis} (see {@link DpopReplayStoreProvider}).
 *
 * <p>Implementations must be thread-safe and atomic: of two concurrent calls with the same id, exactly one returns
 * {@code true}. When the store cannot answer, throw {@link ReplayStoreUnavailableException} (or any runtime
 * exception): the request is then answered 503 with {@code Retry-After}, never let through.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface DpopReplayStore {
  /**
   * Records that a proof was used, and says whether this was its first use.
   *
   * @param proofId an opaque identifier of the proof, 43 URL-safe characters (a SHA-256 of the proof key's
   *     thumbprint and the proof's {@code jti}); never the proof or the token
   * @param lifetime how long to remember it: until the proof would be refused as too old anyway; at least one second
   * @return {@code true} the first time {@code proofId} is seen within its lifetime, {@code false} when it was seen
   *     before (a replay)
   * @throws ReplayStoreUnavailableException when the store cannot answer
   */
  boolean firstUse(String proofId, Duration lifetime);
}
