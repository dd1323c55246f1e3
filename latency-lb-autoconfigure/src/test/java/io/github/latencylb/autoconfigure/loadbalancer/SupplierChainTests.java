package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClientsProperties;
import org.springframework.cloud.loadbalancer.core.HintBasedServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SameInstancePreferenceServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.WeightedServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * What latency-lb makes of Spring Cloud LoadBalancer's supplier chains.
 */
class SupplierChainTests {

	private final ServiceInstance a = instance(8081, "3");

	private final ServiceInstance b = instance(8082, "1");

	private final ServiceInstanceListSupplier base = new Fixed(List.of(this.a, this.b));

	@Test
	void outermostWeightedSupplierShouldBeSkippedSinceItOnlyRepeatsInstances() {
		WeightedServiceInstanceListSupplier weighted = new WeightedServiceInstanceListSupplier(this.base);
		// What it would hand over: a repeated (3 + 1) and interleaved list.
		assertThat(weighted.get().blockFirst()).hasSize(4);
		SupplierChain chain = SupplierChain.of("svc", weighted);
		assertThat(chain.supplier).isSameAs(this.base);
		assertThat(chain.requestScoped).isFalse();
	}

	@Test
	void weightedSupplierDeeperInTheChainShouldStayAndBeTakenOncePerInstance() {
		LoadBalancerClientFactory factory = new LoadBalancerClientFactory(new LoadBalancerClientsProperties());
		HintBasedServiceInstanceListSupplier hints = new HintBasedServiceInstanceListSupplier(
				new WeightedServiceInstanceListSupplier(this.base), factory);
		SupplierChain chain = SupplierChain.of("svc", hints);
		assertThat(chain.supplier).isSameAs(hints);
		assertThat(chain.requestScoped).isTrue();
		List<ServiceInstance> repeated = hints.get().blockFirst();
		assertThat(repeated).hasSize(4);
		assertThat(SupplierChain.notOffered(repeated, List.of(this.a))).containsExactly("127.0.0.1:8082");
	}

	@Test
	void samePreferenceSupplierShouldBeRefusedNamingWhatToUseInstead() {
		assertThatIllegalStateException()
			.isThrownBy(() -> SupplierChain.of("svc", new SameInstancePreferenceServiceInstanceListSupplier(this.base)))
			.withMessageContaining("service 'svc'")
			.withMessageContaining("SameInstancePreferenceServiceInstanceListSupplier")
			.withMessageContaining("latency-lb.affinity.cookie-names");
	}

	@Test
	void notOfferedShouldBeEmptyForTheSameListAndNameFilteredInstancesOtherwise() {
		List<ServiceInstance> all = List.of(this.a, this.b);
		assertThat(SupplierChain.notOffered(all, all)).isEmpty();
		assertThat(SupplierChain.notOffered(all, List.of(this.a, this.b))).isEmpty();
		assertThat(SupplierChain.notOffered(all, List.of(this.b))).containsExactly("127.0.0.1:8081");
	}

	private static ServiceInstance instance(int port, String weight) {
		return new DefaultServiceInstance(null, "svc", "127.0.0.1", port, false, Map.of("weight", weight));
	}

	private record Fixed(List<ServiceInstance> instances) implements ServiceInstanceListSupplier {

		@Override
		public String getServiceId() {
			return "svc";
		}

		@Override
		public Flux<List<ServiceInstance>> get() {
			return Flux.just(this.instances);
		}

	}

}
