/**
 * A runnable sample gateway using latency-lb, with embedded demo backends.
 */
package io.github.latencylb.sample;
