package io.github.latencylb.autoconfigure.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.LoadBalancerClientsProperties;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.HintBasedServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.LoadBalancerClientFactory;
import org.springframework.cloud.loadbalancer.support.ServiceInstanceListSuppliers;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LatencyAwareLoadBalancer} built by hand, fed instance lists directly.
 */
@ExtendWith(OutputCaptureExtension.class)
class LatencyAwareLoadBalancerTests {

	private static final String WARNING = "service 'svc' has no instance";

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
			new SplittableRandom(1));

	private final LatencyAwareLoadBalancer loadBalancer = new LatencyAwareLoadBalancer(
			new DefaultListableBeanFactory().getBeanProvider(ServiceInstanceListSupplier.class), "svc", this.scheduler);

	private final List<ServiceInstance> two = List.of(instance(8081), instance(8082));

	@Test
	void emptyListShouldReleaseTheStateAnswerNoServerAndWarnOncePerOutage(CapturedOutput output) {
		assertThat(this.loadBalancer.choose(this.two, Map.of()).hasServer()).isTrue();
		assertThat(this.scheduler.snapshot().instances()).hasSize(2);
		for (int i = 0; i < 100; i++) {
			Response<ServiceInstance> response = this.loadBalancer.choose(List.of(), Map.of());
			// No server: Spring Cloud Gateway answers 503.
			assertThat(response.hasServer()).isFalse();
		}
		assertThat(this.scheduler.snapshot().instances()).isEmpty();
		assertThat(this.loadBalancer.getInstances()).isEmpty();
		assertThat(occurrences(output.getAll(), WARNING)).isOne();
		// Back, then empty again: one more warning.
		assertThat(this.loadBalancer.choose(this.two, Map.of(LatencyLbAttributes.FLOW_KEY_HASH, 42L)).hasServer())
			.isTrue();
		assertThat(this.scheduler.snapshot().instances()).hasSize(2);
		for (int i = 0; i < 100; i++) {
			assertThat(this.loadBalancer.choose(List.of(), Map.of()).hasServer()).isFalse();
		}
		assertThat(occurrences(output.getAll(), WARNING)).isEqualTo(2);
	}

	@Test
	void missingSupplierBeanShouldAnswerNoServerAndSayWhyOnce(CapturedOutput output) {
		// What a service gets when its configurations value found no supplier bean (e.g.
		// health-check without a WebClient.Builder bean, as on a Boot 4 app without
		// spring-boot-starter-webclient).
		for (int i = 0; i < 20; i++) {
			Response<ServiceInstance> response = this.loadBalancer.choose(new DefaultRequest<>()).block();
			assertThat(response).isNotNull();
			assertThat(response.hasServer()).isFalse();
		}
		assertThat(occurrences(output.getAll(), "service 'svc' has no ServiceInstanceListSupplier bean")).isOne();
		assertThat(output.getAll()).contains("WebClient.Builder", "spring-boot-starter-webclient");
	}

	@Test
	void chooseWithAFlowKeyShouldKeepTheFlowOnOneInstance() {
		List<ServiceInstance> five = TestGateway.instances(8081, 8082, 8083, 8084, 8085);
		for (long key = 0; key < 20; key++) {
			String first = chosenId(five, keyed(key));
			for (int i = 0; i < 5; i++) {
				assertThat(chosenId(five, keyed(key))).isEqualTo(first);
			}
		}
	}

	@Test
	void chooseWithoutAFlowKeyShouldSpreadOverInstances() {
		List<ServiceInstance> five = TestGateway.instances(8081, 8082, 8083, 8084, 8085);
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < 200; i++) {
			seen.add(chosenId(five, new LatencyLbRequestContext(true)));
		}
		assertThat(seen).hasSize(5);
	}

	@Test
	void chooseShouldNeverPickAnExcludedInstance() {
		List<ServiceInstance> three = TestGateway.instances(8081, 8082, 8083);
		for (long key = 0; key < 50; key++) {
			String home = chosenId(three, keyed(key));
			LatencyLbRequestContext retry = keyed(key);
			retry.exclude(home);
			String second = chosenId(three, retry);
			assertThat(second).isNotEqualTo(home);
			retry.exclude(second);
			assertThat(chosenId(three, retry)).isNotIn(home, second);
		}
	}

	@Test
	void chooseWhenEveryInstanceIsExcludedShouldStillAnswer() {
		// The ladder's last step: any instance rather than none.
		LatencyLbRequestContext context = keyed(7);
		context.exclude("svc-8081");
		context.exclude("svc-8082");
		assertThat(this.loadBalancer.choose(this.two, Map.of(LatencyLbRequestContext.ATTRIBUTE, context)).hasServer())
			.isTrue();
	}

	@Test
	void chooseForAGatewayRequestShouldCountItInFlightUntilTheAttemptEnds() {
		LatencyAwareLoadBalancer balancer = TestGateway.loadBalancer(this.scheduler, this.two);
		LatencyLbRequestContext context = keyed(3);
		Response<ServiceInstance> response = balancer.choose(request(context)).block(Duration.ofSeconds(5));
		assertThat(response).isInstanceOf(LatencyLbResponse.class);
		assertThat(context.getAttempt()).isSameAs(response);
		assertThat(this.scheduler.totalInflight()).isOne();
		context.endAttempt(LatencyLbResponse.End.COMPLETE, HttpStatus.OK);
		assertThat(this.scheduler.totalInflight()).isZero();
		// Exactly once.
		context.endAttempt(LatencyLbResponse.End.FAILURE, null);
		assertThat(this.scheduler.snapshot().instances())
			.allSatisfy((instance) -> assertThat(instance.consecutiveFailures()).isZero());
	}

	@Test
	void chooseWhenTheAttemptEndedBeforeAdmissionShouldReleaseTheLeaseAtOnce() {
		LatencyAwareLoadBalancer balancer = TestGateway.loadBalancer(this.scheduler, this.two);
		LatencyLbRequestContext context = new LatencyLbRequestContext(true);
		context.setAdmission((request, attempt) -> {
			// The client went away while the attempt was being admitted.
			attempt.end(LatencyLbResponse.End.CANCELLED, null);
			return reactor.core.publisher.Mono.just(attempt);
		});
		assertThat(balancer.choose(request(context)).block(Duration.ofSeconds(5))).isNotNull();
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	@Test
	void chooseOutsideTheGatewayShouldNotCountTheRequest() {
		LatencyAwareLoadBalancer balancer = TestGateway.loadBalancer(this.scheduler, this.two);
		Response<ServiceInstance> response = balancer.choose(request(Map.of(LatencyLbAttributes.FLOW_KEY_HASH, 42L)))
			.block(Duration.ofSeconds(5));
		assertThat(response).isNotNull();
		assertThat(response.hasServer()).isTrue();
		assertThat(this.scheduler.totalInflight()).isZero();
		assertThat(balancer.choose(request(Map.of(LatencyLbAttributes.FLOW_KEY_HASH, 42L)))
			.block(Duration.ofSeconds(5))
			.getServer()
			.getInstanceId()).isEqualTo(response.getServer().getInstanceId());
	}

	@Test
	void chooseOutsideTheGatewayThroughAHintSupplierShouldAnswerWithoutCountingTheRequest() {
		DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
		ServiceInstanceListSupplier fixed = ServiceInstanceListSuppliers.from("svc",
				this.two.toArray(new ServiceInstance[0]));
		// A hint supplier makes the chain request-scoped: the request's own list is read
		// beside the request-independent one.
		beans.registerSingleton("supplier", new HintBasedServiceInstanceListSupplier(fixed,
				new LoadBalancerClientFactory(new LoadBalancerClientsProperties())));
		LatencyAwareLoadBalancer balancer = new LatencyAwareLoadBalancer(
				beans.getBeanProvider(ServiceInstanceListSupplier.class), "svc", this.scheduler);
		Response<ServiceInstance> response = balancer.choose(request(Map.of())).block(Duration.ofSeconds(5));
		assertThat(response).isNotNull();
		assertThat(response.hasServer()).isTrue();
		assertThat(this.scheduler.totalInflight()).isZero();
	}

	@Test
	void aNewListOfTheSameInstancesShouldKeepThemAndAChangedOneShouldBeTakenUp() {
		DefaultServiceInstance a = new DefaultServiceInstance("a", "svc", "127.0.0.1", 8081, false, new HashMap<>());
		DefaultServiceInstance b = new DefaultServiceInstance("b", "svc", "127.0.0.1", 8082, false, new HashMap<>());
		assertThat(this.loadBalancer.choose(List.of(a, b), Map.of()).hasServer()).isTrue();
		// A copy, as a supplier that filters on every request emits: nothing changes.
		assertThat(this.loadBalancer.choose(new ArrayList<>(List.of(a, b)), Map.of()).hasServer()).isTrue();
		assertThat(this.loadBalancer.getInstances()).containsEntry("a", a).containsEntry("b", b);
		// The same objects, one given a weight in place: the scheduler gets the weight.
		b.getMetadata().put(InstanceIds.WEIGHT_METADATA_KEY, "3");
		assertThat(this.loadBalancer.choose(new ArrayList<>(List.of(a, b)), Map.of()).hasServer()).isTrue();
		assertThat(this.scheduler.snapshot().instances()).filteredOn((instance) -> instance.id().equals("b"))
			.singleElement()
			.satisfies((instance) -> assertThat(instance.weight()).isEqualTo(3));
		// An equal but other object: the load balancer answers with the new one.
		DefaultServiceInstance a2 = new DefaultServiceInstance("a", "svc", "127.0.0.1", 8081, false, new HashMap<>());
		assertThat(this.loadBalancer.choose(new ArrayList<>(List.of(a2, b)), Map.of()).hasServer()).isTrue();
		assertThat(this.loadBalancer.getInstances().get("a")).isSameAs(a2);
		// Its responses too (DefaultServiceInstance's equals cannot tell a from a2):
		// flows
		// homed on a (a keyless request would pick the weight-3 b).
		int a2Chosen = 0;
		for (int i = 0; i < 50; i++) {
			ServiceInstance server = this.loadBalancer
				.choose(new ArrayList<>(List.of(a2, b)),
						Map.of(LatencyLbAttributes.FLOW_KEY_HASH, i * 0x9E3779B97F4A7C15L))
				.getServer();
			assertThat(server == a2 || server == b).as("response %d names an instance of the latest list", i).isTrue();
			a2Chosen += (server == a2) ? 1 : 0;
		}
		assertThat(a2Chosen).isPositive();
		// Fewer instances: taken up.
		assertThat(this.loadBalancer.choose(new ArrayList<>(List.of(b)), Map.of()).getServer()).isSameAs(b);
		assertThat(this.loadBalancer.getInstances()).containsOnlyKeys("b");
	}

	@Test
	void aNewListOfTheSameInstancesShouldBeCheckedOnceAndThenKnownByIdentity() {
		AtomicInteger reads = new AtomicInteger();
		Map<String, String> metadata = new HashMap<>() {

			@Override
			public String get(Object key) {
				reads.incrementAndGet();
				return super.get(key);
			}

		};
		DefaultServiceInstance a = new DefaultServiceInstance("a", "svc", "127.0.0.1", 8081, false, metadata);
		DefaultServiceInstance b = new DefaultServiceInstance("b", "svc", "127.0.0.1", 8082, false, new HashMap<>());
		assertThat(this.loadBalancer.choose(List.of(a, b), Map.of()).hasServer()).isTrue();
		// A caching supplier's next list: the same instances in a new list object, handed
		// out until its next refresh. Its weights are read once, not on every request.
		List<ServiceInstance> refreshed = new ArrayList<>(List.of(a, b));
		reads.set(0);
		assertThat(this.loadBalancer.choose(refreshed, Map.of()).hasServer()).isTrue();
		assertThat(reads).hasValue(1);
		for (int i = 0; i < 10; i++) {
			assertThat(this.loadBalancer.choose(refreshed, Map.of()).hasServer()).isTrue();
		}
		assertThat(reads).hasValue(1);
		assertThat(this.loadBalancer.getInstances()).containsEntry("a", a).containsEntry("b", b);
	}

	private String chosenId(List<ServiceInstance> instances, LatencyLbRequestContext context) {
		Response<ServiceInstance> response = this.loadBalancer.choose(instances,
				Map.of(LatencyLbRequestContext.ATTRIBUTE, context));
		assertThat(response.hasServer()).isTrue();
		return response.getServer().getInstanceId();
	}

	private static LatencyLbRequestContext keyed(long key) {
		LatencyLbRequestContext context = new LatencyLbRequestContext(true);
		context.setFlowKeyHash(key * 0x9E3779B97F4A7C15L);
		return context;
	}

	private static DefaultRequest<RequestDataContext> request(LatencyLbRequestContext context) {
		return request(Map.of(LatencyLbRequestContext.ATTRIBUTE, context));
	}

	private static DefaultRequest<RequestDataContext> request(Map<String, Object> attributes) {
		return new DefaultRequest<>(new RequestDataContext(
				new RequestData(MockServerHttpRequest.get("/").build(), new HashMap<>(attributes))));
	}

	private static int occurrences(String text, String part) {
		int count = 0;
		for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
			count++;
		}
		return count;
	}

	private static ServiceInstance instance(int port) {
		return new DefaultServiceInstance("svc-" + port, "svc", "127.0.0.1", port, false);
	}

}
