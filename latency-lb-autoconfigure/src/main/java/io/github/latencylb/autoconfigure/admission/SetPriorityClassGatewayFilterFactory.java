package io.github.latencylb.autoconfigure.admission;

import java.util.List;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;

/**
 * Route filter {@code SetPriorityClass=<class>[,<offset>]}: sets the priority class (and
 * offset) of the route's requests, overriding the global classification. Applies to
 * {@code lb} routes (the only ones latency-lb admits).
 */
public class SetPriorityClassGatewayFilterFactory
		extends AbstractGatewayFilterFactory<SetPriorityClassGatewayFilterFactory.Config> {

	/**
	 * Create the factory.
	 */
	public SetPriorityClassGatewayFilterFactory() {
		super(Config.class);
	}

	@Override
	public List<String> shortcutFieldOrder() {
		return List.of("priorityClass", "offset");
	}

	@Override
	public GatewayFilter apply(Config config) {
		if (config.getPriorityClass() < -2047 || config.getPriorityClass() > 2047) {
			throw new IllegalArgumentException(
					"SetPriorityClass: class must be between -2047 and 2047 but was " + config.getPriorityClass());
		}
		return (exchange, chain) -> {
			LatencyLbRequestContext context = LatencyLbRequestContext.of(exchange);
			if (context != null) {
				context.getPriority().override(config.getPriorityClass(), config.getOffset());
			}
			return chain.filter(exchange);
		};
	}

	/**
	 * Configuration: the class and an optional offset.
	 */
	public static class Config {

		@Min(-2047)
		@Max(2047)
		private int priorityClass;

		private int offset;

		public int getPriorityClass() {
			return this.priorityClass;
		}

		public void setPriorityClass(int priorityClass) {
			this.priorityClass = priorityClass;
		}

		public int getOffset() {
			return this.offset;
		}

		public void setOffset(int offset) {
			this.offset = offset;
		}

	}

}
