/**
 * The HTTP edge: {@code Authorization} header parsing (RFC 6750 §2.1), {@code WWW-Authenticate} and error bodies (RFC
 * 6750 §3), the request firewall that refuses request paths not in one normal form, and the authenticated request
 * wrapper. Internal: no compatibility promise; do not use from outside tokengate.
 */
package dev.tokengate.internal.http;
