/**
 * Micrometer metrics of latency-lb: decisions, flow moves and per-instance gauges of each
 * scheduler, and the recorder of admission and retry events.
 */
@NullMarked
package io.github.latencylb.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
