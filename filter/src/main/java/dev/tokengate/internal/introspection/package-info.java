/**
 * Token introspection (RFC 7662) for opaque access tokens: the HTTP exchange with each issuer's endpoint, the checks
 * an answer passes, and the result cache with its single-flight and concurrency bound. Internal: no compatibility
 * promise; do not use from outside tokengate.
 */
package dev.tokengate.internal.introspection;
