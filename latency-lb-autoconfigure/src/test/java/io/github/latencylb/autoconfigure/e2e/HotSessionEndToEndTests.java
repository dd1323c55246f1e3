package io.github.latencylb.autoconfigure.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.Scheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9's hot session on a real gateway: one cookie shared by many concurrent clients,
 * among ordinary sessions that send one request at a time (one homed on each of three
 * instances of two permits). The hot flow's excess requests spill (decision
 * {@code overflow}: served by the first permit that frees on any instance, the service
 * queue), so the hot flow is served by more than one instance while its pin stays where
 * it was; every ordinary session's request lands on its own instance; nothing fails, no
 * flow moves, and afterwards every permit is free, every queue empty and nothing in
 * flight. The wait budget is raised and the slowness verdicts are held off (both are
 * tested elsewhere), so that the only reason left to leave an instance is being hot.
 */
@GatewayEndToEndTests(
		properties = { "latency-lb.bulkhead.max-concurrent-calls=2", "latency-lb.fallback.min-wait-budget=5s",
				"latency-lb.slowness.threshold=1000", "latency-lb.fallback.stuck-factor=1000" })
class HotSessionEndToEndTests extends AdmissionEndToEndSupport {

	static final int HOT_CLIENTS = 6;

	static final int REQUESTS_PER_CLIENT = 40;

	static final TestBackends backends = new TestBackends(3, Duration.ofMillis(20));

	@RegisterExtension
	static final GatewayExtension gateway = new GatewayExtension(backends);

	@Test
	void hotSessionShouldSpillOverInstancesWhileOrdinarySessionsStayOnTheirOwn() {
		HttpClient client = client();
		String hotHome = send(client, "hot").block(Duration.ofSeconds(10));
		// One ordinary session homed on each instance, the hot flow's included.
		Map<String, String> ordinary = new LinkedHashMap<>();
		for (int i = 0; i < 200 && ordinary.size() < backends.backends.size(); i++) {
			String instance = send(client, "session-" + i).block(Duration.ofSeconds(10));
			if (!ordinary.containsValue(instance)) {
				ordinary.put("session-" + i, instance);
			}
		}
		assertThat(ordinary.values())
			.containsExactlyInAnyOrderElementsOf(backends.backends.stream().map((b) -> b.id).toList());
		List<String> hot = Collections.synchronizedList(new ArrayList<>());
		Map<String, Set<String>> served = new TreeMap<>();
		List<Mono<Void>> clients = new ArrayList<>();
		for (int i = 0; i < HOT_CLIENTS; i++) {
			clients.add(send(client, "hot").doOnNext(hot::add).repeat(REQUESTS_PER_CLIENT - 1).then());
		}
		for (String session : ordinary.keySet()) {
			Set<String> instances = Collections.synchronizedSet(new TreeSet<>());
			served.put(session, instances);
			clients.add(send(client, session).doOnNext(instances::add).repeat(REQUESTS_PER_CLIENT - 1).then());
		}
		Flux.merge(clients).then().block(Duration.ofSeconds(60));
		Scheduler scheduler = this.schedulers.scheduler("svc");
		System.out.println("Hot session: hot flow served by " + count(hot) + " (home " + hotHome
				+ "), ordinary sessions " + served + " (homes " + ordinary + "), overflow decisions "
				+ scheduler.counters().decisions(DecisionReason.OVERFLOW));

		assertThat(hot).as("every hot request answered").hasSize(HOT_CLIENTS * REQUESTS_PER_CLIENT);
		assertThat(new TreeSet<>(hot)).as("instances that served the hot flow").hasSizeGreaterThanOrEqualTo(2);
		assertThat(scheduler.counters().decisions(DecisionReason.OVERFLOW)).isPositive();
		ordinary.forEach((session, home) -> assertThat(served.get(session)).as(session).containsExactly(home));
		for (MoveCause cause : MoveCause.values()) {
			assertThat(scheduler.counters().moves(cause)).as("flows moved, " + cause.tag()).isZero();
		}
		// The hot flow is still pinned at home.
		assertThat(send(client, "hot").block(Duration.ofSeconds(10))).isEqualTo(hotHome);
		awaitNothingTaken(backends.instanceIds(), 2);
	}

	/**
	 * One request of a session.
	 * @param client the client
	 * @param session the session cookie
	 * @return the instance that served it; an error unless it was a 200
	 */
	private static Mono<String> send(HttpClient client, String session) {
		return client.headers((h) -> h.set("Cookie", "SESSION=" + session))
			.get()
			.uri("/work")
			.responseSingle((response, body) -> body.asString().defaultIfEmpty("").flatMap((text) -> {
				String instance = response.responseHeaders().get("X-Instance");
				return (response.status().code() == 200 && instance != null) ? Mono.just(instance)
						: Mono.error(new IllegalStateException(session + ": " + response.status() + " " + text));
			}))
			.timeout(Duration.ofSeconds(15));
	}

	private static Map<String, Long> count(List<String> instances) {
		Map<String, Long> counts = new TreeMap<>();
		synchronized (instances) {
			instances.forEach((instance) -> counts.merge(instance, 1L, Long::sum));
		}
		return counts;
	}

}
