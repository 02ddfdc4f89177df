/**
 * DPoP (RFC 9449) on the resource server: the {@code DPoP} authorization scheme, the proof's checks (§4.3), the
 * token's binding to the proof key ({@code cnf.jkt}, §6), the replay check (§11.1) and the {@code DPoP} challenge
 * (§7.1). Internal: no compatibility promise; do not use from outside tokengate.
 */
package dev.tokengate.internal.dpop;
