/**
 * End-to-end comparison with HAProxy: simulated loopback backends, a closed-loop load
 * driver and the scenarios of issue 9, run against a real gateway and a real HAProxy.
 */
package io.github.latencylb.benchmarks.e2e;
