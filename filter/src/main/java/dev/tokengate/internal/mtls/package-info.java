/**
 * Certificate-bound access tokens (RFC 8705 §3) on the resource server: the request's TLS client certificate, from
 * the connection or from a trusted proxy's header, held to the token's {@code cnf.x5t#S256}. Internal: no
 * compatibility promise; do not use from outside tokengate.
 */
package dev.tokengate.internal.mtls;
