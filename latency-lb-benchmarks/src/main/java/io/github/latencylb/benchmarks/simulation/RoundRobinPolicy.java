package io.github.latencylb.benchmarks.simulation;

/**
 * Round robin over the sorted instance list, as Spring Cloud LoadBalancer's
 * {@code RoundRobinLoadBalancer} does (its position survives list changes).
 */
final class RoundRobinPolicy extends InflightPolicy {

	private int position;

	@Override
	public Pick choose(long flowHash, boolean keyless) {
		String id = this.ids.get(Math.floorMod(this.position++, this.ids.size()));
		return started(id, 0);
	}

}
