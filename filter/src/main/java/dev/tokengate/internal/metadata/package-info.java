/**
 * OAuth 2.0 protected-resource metadata (RFC 9728): the document the filter serves at the resource's well-known URL,
 * and the {@code resource_metadata} parameter of its challenges. Internal: no compatibility promise; do not use from
 * outside tokengate.
 */
package dev.tokengate.internal.metadata;
