/**
 * Deterministic discrete-event simulation comparing load-balancing policies on scenarios.
 */
package io.github.latencylb.benchmarks.simulation;
