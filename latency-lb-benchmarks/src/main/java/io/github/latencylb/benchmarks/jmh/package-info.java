/**
 * JMH microbenchmarks of {@code choose()} and a measurement of the flow table's memory.
 */
package io.github.latencylb.benchmarks.jmh;
