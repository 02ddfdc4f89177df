/**
 * A {@link dev.tokengate.spi.DpopReplayStore} in Redis, for an application run as several instances: a DPoP proof
 * accepted by one instance is refused by every other.
 */
package dev.tokengate.redis;
