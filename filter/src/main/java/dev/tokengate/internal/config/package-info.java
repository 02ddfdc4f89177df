/** Parsing of settings. Internal: no compatibility promise; do not use from outside tokengate. */
package dev.tokengate.internal.config;
