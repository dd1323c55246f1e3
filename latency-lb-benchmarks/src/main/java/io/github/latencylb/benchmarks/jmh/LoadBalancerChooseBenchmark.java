package io.github.latencylb.benchmarks.jmh;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyAwareLoadBalancer;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbAttributes;
import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.SchedulerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.SimpleObjectProvider;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

/**
 * One {@code choose(Request)} through Spring Cloud LoadBalancer's reactive API, ours
 * ({@link LatencyAwareLoadBalancer}, the scheduler its registry creates) against Spring
 * Cloud's {@link RoundRobinLoadBalancer}, in the same run, on the same instance list (the
 * same list object every time, as behind Spring Cloud's default caching supplier; with
 * {@code -p supplier=copying}, a new list of the same instances on every request, as a
 * supplier that filters per request emits). Ours gets a request of a known flow (a
 * flow-key hash in the request attributes, as the gateway's filter puts it), or a keyless
 * request when {@code flows = 0}; round robin ignores both. Each call subscribes to the
 * {@code Mono} and blocks on the already-available answer, as the gateway's subscription
 * would get it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgs = { "-Xms2g", "-Xmx2g" })
public class LoadBalancerChooseBenchmark {

	static final String SERVICE = "bench";

	static List<ServiceInstance> serviceInstances(int n) {
		return Fleets.instances(n)
			.stream()
			.map(WeightedInstance::id)
			.map((id) -> (ServiceInstance) new DefaultServiceInstance(id, SERVICE, "10.0.0.1",
					8000 + Integer.parseInt(id.substring(id.indexOf('-') + 1)), false))
			.toList();
	}

	/**
	 * A supplier that emits the same list object every time, as Spring Cloud's default
	 * caching supplier does between refreshes.
	 * @param n the number of instances
	 * @return the provider
	 */
	static ObjectProvider<ServiceInstanceListSupplier> provider(int n) {
		return provider(n, "cached");
	}

	/**
	 * A supplier that emits the same list object every time ({@code cached}) or a new
	 * list of the same instances every time ({@code copying}).
	 * @param n the number of instances
	 * @param mode {@code cached} or {@code copying}
	 * @return the provider
	 */
	static ObjectProvider<ServiceInstanceListSupplier> provider(int n, String mode) {
		List<ServiceInstance> list = serviceInstances(n);
		boolean copying = "copying".equals(mode);
		ServiceInstanceListSupplier supplier = new ServiceInstanceListSupplier() {

			@Override
			public String getServiceId() {
				return SERVICE;
			}

			@Override
			public Flux<List<ServiceInstance>> get() {
				return Flux.just(copying ? new ArrayList<>(list) : list);
			}

		};
		return new SimpleObjectProvider<>(supplier);
	}

	static Request<RequestDataContext> request(Map<String, Object> attributes) {
		RequestData data = new RequestData(HttpMethod.GET, URI.create("http://" + SERVICE + "/cart"), new HttpHeaders(),
				new LinkedMultiValueMap<>(), attributes);
		return new DefaultRequest<>(new RequestDataContext(data));
	}

	@Benchmark
	public Response<ServiceInstance> latencyLb(LatencyLbState state) {
		if (state.flows > 0) {
			state.cursor = (int) ((state.cursor + 0x9E3779B1L) % state.keys.length);
			state.attributes.put(LatencyLbAttributes.FLOW_KEY_HASH, state.keys[state.cursor]);
		}
		return state.loadBalancer.choose(state.request).block();
	}

	@Benchmark
	public Response<ServiceInstance> springRoundRobin(RoundRobinState state) {
		return state.loadBalancer.choose(state.request).block();
	}

	/**
	 * Our load balancer with a flow table of {@code flows} flows.
	 */
	@State(Scope.Thread)
	public static class LatencyLbState {

		@Param({ "4", "32", "256" })
		int instances;

		@Param({ "0", "100000", "1000000" })
		int flows;

		@Param("cached")
		String supplier;

		LatencyAwareLoadBalancer loadBalancer;

		final Map<String, Object> attributes = new HashMap<>();

		Request<RequestDataContext> request;

		long[] keys;

		int cursor;

		@Setup(Level.Trial)
		public void setUp() {
			ObjectProvider<ServiceInstanceListSupplier> suppliers = provider(this.instances, this.supplier);
			SchedulerRegistry registry = new SchedulerRegistry((id) -> SchedulerConfig.ofDefaults(), NanoClock.SYSTEM);
			this.loadBalancer = new LatencyAwareLoadBalancer(suppliers, SERVICE, registry.scheduler(SERVICE));
			this.request = request(this.attributes);
			// The first choose hands the instance list to the scheduler.
			this.loadBalancer.choose(this.request).block();
			this.keys = Fleets.flowKeys(this.flows, 42);
			Fleets.warmAndFill(this.loadBalancer.getScheduler(), this.keys);
		}

	}

	/**
	 * Spring Cloud's round robin.
	 */
	@State(Scope.Thread)
	public static class RoundRobinState {

		@Param({ "4", "32", "256" })
		int instances;

		@Param("cached")
		String supplier;

		RoundRobinLoadBalancer loadBalancer;

		Request<RequestDataContext> request;

		@Setup(Level.Trial)
		public void setUp() {
			this.loadBalancer = new RoundRobinLoadBalancer(provider(this.instances, this.supplier), SERVICE);
			this.request = request(new HashMap<>());
		}

	}

}
