package io.github.latencylb.autoconfigure.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbResponse;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.TestDecisions;
import io.github.latencylb.core.TopologyPhase;
import io.github.latencylb.core.admission.AdmissionConfig;
import io.github.latencylb.core.admission.AdmissionRejectedException;
import io.github.latencylb.core.admission.PriorityAdmissionQueue;
import io.github.latencylb.core.admission.SemaphorePermitPool;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link InstanceAdmission} of keyless requests and hot flows' excess requests through
 * the service queue, built by hand: such an attempt whose chosen instance is full runs
 * where a permit is free or frees first, and its response, decision and lease name that
 * instance (an overflowing flow stays pinned); any other keyed one, and a WebSocket
 * upgrade, waits at its own instance; a timeout in either queue ends the request; nothing
 * leaks.
 */
class ServiceQueueAdmissionTests {

	private static final long FLOW = 42L;

	private final Scheduler scheduler = new Scheduler("svc", SchedulerConfig.ofDefaults(), NanoClock.SYSTEM,
			new SplittableRandom(1));

	private final AdmissionRegistry registry = new AdmissionRegistry((service, id) -> new SemaphorePermitPool(1),
			(name) -> {
			}, 10, null, 10);

	private final InstanceAdmission admission = new InstanceAdmission(this.registry,
			new AdmissionConfig(1, 0, 10, Duration.ofMillis(300), 1, Duration.ofSeconds(1), 10), NanoClock.SYSTEM,
			AdmissionListener.NONE);

	private final Map<String, ServiceInstance> instances = new HashMap<>();

	ServiceQueueAdmissionTests() {
		List<WeightedInstance> weighted = new ArrayList<>();
		for (String id : List.of("a", "b")) {
			this.instances.put(id,
					new DefaultServiceInstance(id, "svc", "127.0.0.1", id.equals("a") ? 8081 : 8082, false));
			weighted.add(new WeightedInstance(id, 1));
		}
		this.scheduler.setAdmissionView(this.registry.viewOf("svc"));
		this.scheduler.updateInstances(weighted);
		this.scheduler.addTopologyListener(TopologyPhase.PUBLISHED, (ids) -> this.registry.retain("svc", ids));
		queue("a");
		queue("b");
	}

	private LatencyLbResponse attempt(String id) {
		return attempt(candidate(id));
	}

	private Decision candidate(String id) {
		return this.scheduler.keylessCandidates(Set.of())
			.stream()
			.filter((d) -> d.instanceId().equals(id))
			.findFirst()
			.orElseThrow();
	}

	private LatencyLbResponse attempt(Decision decision) {
		return new LatencyLbResponse(this.instances.get(decision.instanceId()), this.scheduler, decision, Set.of(),
				this.instances::get);
	}

	private LatencyLbRequestContext keyless() {
		LatencyLbRequestContext context = new LatencyLbRequestContext(false);
		context.setFlowKeyHash(null);
		context.setAdmission(this.admission);
		return context;
	}

	private PriorityAdmissionQueue queue(String id) {
		return this.registry.queue("svc", id);
	}

	@Test
	void keylessAttemptShouldRunWhereAPermitIsFreeAndNameThatInstance() {
		assertThat(queue("a").tryAcquireNow(0, 0)).isTrue();
		LatencyLbRequestContext context = keyless();
		LatencyLbResponse attempt = attempt("a");
		LatencyLbResponse admitted = context.begin(attempt).block(Duration.ofSeconds(1));
		assertThat(admitted).isSameAs(attempt);
		assertThat(admitted.getServer().getPort()).isEqualTo(8082);
		assertThat(admitted.getDecision().instanceId()).isEqualTo("b");
		assertThat(this.scheduler.snapshot().instance("b").inflight()).isOne();
		assertThat(this.scheduler.snapshot().instance("a").inflight()).isZero();
		context.endAttempt(LatencyLbResponse.End.COMPLETE, null);
		queue("a").permitRelease().run();
		assertEverythingBack();
	}

	@Test
	void keylessAttemptShouldTakeTheFirstPermitThatFreesOnAnyInstance() {
		assertThat(queue("a").tryAcquireNow(0, 0)).isTrue();
		assertThat(queue("b").tryAcquireNow(0, 0)).isTrue();
		LatencyLbRequestContext context = keyless();
		LatencyLbResponse attempt = attempt("a");
		StepVerifier.create(context.begin(attempt))
			.then(() -> assertThat(this.registry.findServiceQueue("svc").length()).isOne())
			.then(() -> queue("b").permitRelease().run())
			.assertNext((admitted) -> {
				assertThat(admitted.getServer().getPort()).isEqualTo(8082);
				assertThat(admitted.getDecision().instanceId()).isEqualTo("b");
			})
			.verifyComplete();
		assertThat(this.scheduler.snapshot().instance("b").inflight()).isOne();
		assertThat(context.getQueueWaitedNanos()).isPositive();
		context.endAttempt(LatencyLbResponse.End.COMPLETE, null);
		queue("a").permitRelease().run();
		assertEverythingBack();
	}

	@Test
	void keyedAttemptShouldWaitAtItsOwnInstance() {
		assertThat(queue("a").tryAcquireNow(0, 0)).isTrue();
		LatencyLbRequestContext context = keyless();
		context.setFlowKeyHash(42L);
		Disposable waiting = context.begin(attempt("a")).subscribe();
		assertThat(queue("a").queueLength()).isOne();
		assertThat(this.registry.findServiceQueue("svc").length()).isZero();
		waiting.dispose();
		assertThat(queue("a").queueLength()).isZero();
		queue("a").permitRelease().run();
		assertEverythingBack();
	}

	@Test
	void timeoutInTheServiceQueueShouldEndTheRequestAndCancellationShouldGiveTheSlotBack() {
		assertThat(queue("a").tryAcquireNow(0, 0)).isTrue();
		assertThat(queue("b").tryAcquireNow(0, 0)).isTrue();
		LatencyLbRequestContext context = keyless();
		StepVerifier.create(context.begin(attempt("a"))).expectErrorSatisfies((ex) -> {
			assertThat(ex).isInstanceOf(AdmissionRejectedException.class);
			assertThat(((AdmissionRejectedException) ex).cause()).isEqualTo(AdmissionRejectedException.Cause.TIMEOUT);
			assertThat(((AdmissionRejectedException) ex).retriable()).isFalse();
		}).verify(Duration.ofSeconds(5));
		// The whole wait is used up: a second attempt of the request may not wait again.
		StepVerifier.create(context.begin(attempt("b")))
			.expectErrorSatisfies((ex) -> assertThat(((AdmissionRejectedException) ex).retriable()).isFalse())
			.verify(Duration.ofSeconds(1));
		LatencyLbRequestContext cancelled = keyless();
		Disposable waiting = cancelled.begin(attempt("a")).subscribe();
		assertThat(this.registry.findServiceQueue("svc").length()).isOne();
		waiting.dispose();
		assertThat(this.registry.findServiceQueue("svc").length()).isZero();
		queue("a").permitRelease().run();
		queue("b").permitRelease().run();
		assertEverythingBack();
	}

	@Test
	void hotFlowsExcessRequestShouldTakeTheFirstPermitThatFreesOnAnyInstanceAndLeaveTheFlowPinned() {
		String home = this.scheduler.chooseForFlow(FLOW, Set.of()).instanceId();
		// Its second request: the flow is recorded at home.
		assertThat(this.scheduler.chooseForFlow(FLOW, Set.of()).instanceId()).isEqualTo(home);
		String other = home.equals("a") ? "b" : "a";
		assertThat(queue(home).tryAcquireNow(0, 0)).isTrue();
		assertThat(queue(other).tryAcquireNow(0, 0)).isTrue();
		// Overflow naming home: no other instance had a free permit.
		LatencyLbResponse attempt = attempt(TestDecisions.overflow(candidate(home), FLOW));
		LatencyLbRequestContext context = keyless();
		context.setFlowKeyHash(FLOW);
		StepVerifier.create(context.begin(attempt)).then(() -> {
			assertThat(this.registry.findServiceQueue("svc").length()).isOne();
			assertThat(queue(home).queueLength()).isZero();
		}).then(() -> queue(other).permitRelease().run()).assertNext((admitted) -> {
			assertThat(admitted.getServer()).isSameAs(this.instances.get(other));
			// What the retry filter excludes if this attempt fails.
			assertThat(context.getAttempt().getDecision().instanceId()).isEqualTo(other);
		}).verifyComplete();
		assertThat(this.scheduler.snapshot().instance(other).inflight()).isOne();
		assertThat(this.scheduler.snapshot().instance(home).inflight()).isZero();
		context.endAttempt(LatencyLbResponse.End.COMPLETE, null);
		queue(home).permitRelease().run();
		assertEverythingBack();
		Decision next = this.scheduler.chooseForFlow(FLOW, Set.of());
		assertThat(next.instanceId()).isEqualTo(home);
		assertThat(next.reason()).isIn(DecisionReason.HOME, DecisionReason.PINNED);
		for (MoveCause cause : MoveCause.values()) {
			assertThat(this.scheduler.counters().moves(cause)).as(cause.tag()).isZero();
		}
	}

	@Test
	void hotFlowsExcessWebSocketUpgradeShouldWaitAtItsOwnInstance() {
		assertThat(queue("a").tryAcquireNow(0, 0)).isTrue();
		LatencyLbRequestContext context = keyless();
		context.setFlowKeyHash(FLOW);
		context.setWebSocket(true);
		Disposable waiting = context.begin(attempt(TestDecisions.overflow(candidate("a"), FLOW))).subscribe();
		assertThat(queue("a").queueLength()).isOne();
		assertThat(this.registry.findServiceQueue("svc").length()).isZero();
		waiting.dispose();
		queue("a").permitRelease().run();
		assertEverythingBack();
	}

	@Test
	void keyedRequestThatTimesOutInItsInstanceQueueShouldNotBeRetried() {
		Decision home = this.scheduler.chooseForFlow(FLOW, Set.of());
		assertThat(queue(home.instanceId()).tryAcquireNow(0, 0)).isTrue();
		LatencyLbRequestContext context = keyless();
		context.setFlowKeyHash(FLOW);
		StepVerifier.create(context.begin(attempt(home)))
			.then(() -> assertThat(queue(home.instanceId()).queueLength()).isOne())
			.expectErrorSatisfies((ex) -> {
				assertThat(((AdmissionRejectedException) ex).cause())
					.isEqualTo(AdmissionRejectedException.Cause.TIMEOUT);
				assertThat(((AdmissionRejectedException) ex).retriable()).isFalse();
			})
			.verify(Duration.ofSeconds(5));
		// A request whose earlier attempts used up the wait may not wait again.
		LatencyLbRequestContext waited = keyless();
		waited.setFlowKeyHash(FLOW);
		waited.addQueueWait(Duration.ofMillis(300).toNanos());
		StepVerifier.create(waited.begin(attempt(home)))
			.expectErrorSatisfies((ex) -> assertThat(((AdmissionRejectedException) ex).retriable()).isFalse())
			.verify(Duration.ofSeconds(1));
		queue(home.instanceId()).permitRelease().run();
		assertEverythingBack();
	}

	private void assertEverythingBack() {
		assertThat(this.registry.findServiceQueue("svc").length()).isZero();
		assertThat(this.registry.queues("svc").values()).hasSize(2).allSatisfy((queue) -> {
			assertThat(queue.queueLength()).isZero();
			assertThat(queue.pool().availablePermits()).isEqualTo(1);
		});
		assertThat(this.scheduler.totalInflight()).isZero();
	}

}
