package io.github.latencylb.autoconfigure.gateway;

import io.github.latencylb.autoconfigure.CoreConfigMapping;
import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.LatencyLbProperties;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;

/**
 * Spring Cloud Gateway glue of latency-lb: flow-key extraction and the request scope of
 * {@code lb} routes.
 */
@AutoConfiguration(after = LatencyLbAutoConfiguration.class)
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnBean(SchedulerRegistry.class)
public final class LatencyLbGatewayAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	FlowKeyExtractor latencyLbFlowKeyExtractor(LatencyLbProperties properties) {
		return new FlowKeyExtractor(CoreConfigMapping.flowKeys(properties));
	}

	@Bean
	@ConditionalOnMissingBean
	ResponseEndGlobalFilter latencyLbResponseEndFilter() {
		return new ResponseEndGlobalFilter();
	}

}
