/**
 * The issuer's signing keys: discovery, JWKS fetch, caching, refresh on rotation. Internal: no compatibility promise;
 * do not use from outside tokengate.
 */
package dev.tokengate.internal.jwks;
