/**
 * Spring Cloud LoadBalancer integration: the per-service load balancer and the scheduler
 * registry.
 */
@NullMarked
package io.github.latencylb.autoconfigure.loadbalancer;

import org.jspecify.annotations.NullMarked;
