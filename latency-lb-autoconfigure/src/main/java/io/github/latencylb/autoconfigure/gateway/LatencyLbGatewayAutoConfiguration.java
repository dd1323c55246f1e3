package io.github.latencylb.autoconfigure.gateway;

import io.github.latencylb.autoconfigure.LatencyLbAutoConfiguration;
import io.github.latencylb.autoconfigure.LatencyLbProperties;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;

/**
 * Spring Cloud Gateway filters of latency-lb: flow key extraction and in-flight
 * accounting.
 */
@AutoConfiguration(after = LatencyLbAutoConfiguration.class)
@ConditionalOnClass(GlobalFilter.class)
@ConditionalOnBean(SchedulerRegistry.class)
public final class LatencyLbGatewayAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	FlowKeyGlobalFilter latencyLbFlowKeyFilter(LatencyLbProperties properties) {
		LatencyLbProperties.Affinity affinity = properties.getAffinity();
		return new FlowKeyGlobalFilter(affinity.getCookieNames(), affinity.getHeaderNames(), affinity.isClientIp(),
				affinity.getMaxKeyLength());
	}

	@Bean
	@ConditionalOnMissingBean
	InflightAccountingGlobalFilter latencyLbInflightAccountingFilter() {
		return new InflightAccountingGlobalFilter();
	}

	@Bean
	@ConditionalOnMissingBean
	ResponseEndGlobalFilter latencyLbResponseEndFilter() {
		return new ResponseEndGlobalFilter();
	}

}
