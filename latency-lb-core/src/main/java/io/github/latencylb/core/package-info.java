/**
 * Framework-free scheduling core of latency-lb: hashing, latency feedback, flow table and
 * instance selection.
 */
@NullMarked
package io.github.latencylb.core;

import org.jspecify.annotations.NullMarked;
