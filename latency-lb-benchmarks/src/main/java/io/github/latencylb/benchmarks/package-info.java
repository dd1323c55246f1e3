/**
 * Benchmarks of latency-lb: scenario simulations and JMH microbenchmarks; not published.
 */
package io.github.latencylb.benchmarks;
