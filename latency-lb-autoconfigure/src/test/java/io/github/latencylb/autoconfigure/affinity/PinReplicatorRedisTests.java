package io.github.latencylb.autoconfigure.affinity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

import io.github.latencylb.autoconfigure.loadbalancer.SchedulerRegistry;
import io.github.latencylb.core.ConsistentHashRing;
import io.github.latencylb.core.ConsistentHashRing.WeightedInstance;
import io.github.latencylb.core.Decision;
import io.github.latencylb.core.DecisionReason;
import io.github.latencylb.core.MoveCause;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import io.github.latencylb.core.StableHash;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.ScanOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two or three {@link PinReplicator}s (each with its own schedulers, as in separate
 * gateway replicas) on a real Redis server: moves and returns home reach the other
 * replica, a replica started later loads the pins, a flow kept busy through one replica
 * stays pinned on the other past the idle timeout, Redis holds key hashes only, and an
 * unreachable Redis fails no decision and counts the dropped changes.
 */
class PinReplicatorRedisTests {

	private static final List<WeightedInstance> INSTANCES = List.of(new WeightedInstance("a:1", 1),
			new WeightedInstance("b:1", 1), new WeightedInstance("c:1", 1), new WeightedInstance("d:1", 1));

	private static final Duration WAIT = Duration.ofSeconds(10);

	static RedisServerProcess redis;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final String prefix = "test-" + System.nanoTime();

	@BeforeAll
	static void startRedis() {
		redis = RedisServerProcess.start();
	}

	@AfterAll
	static void stopRedis() {
		redis.close();
	}

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@Test
	void aMoveAndAReturnHomeShouldReachTheOtherReplica() {
		Replica a = replica(redis.port(), SchedulerConfig.ofDefaults(), 100_000);
		Replica b = replica(redis.port(), SchedulerConfig.ofDefaults(), 100_000);
		awaitUp(a, b);
		long key = StableHash.hash("flow-1");
		String home = a.home(key);
		Decision moved = a.scheduler.chooseForFlow(key, Set.of(home));
		assertThat(moved.moveCause()).isNull();
		assertThat(moved.instanceId()).isNotEqualTo(home);
		// b has no reason of its own to move the flow: only the shared pin sends it
		// there.
		await(() -> b.scheduler.chooseForFlow(key, Set.of()).instanceId().equals(moved.instanceId()));
		Decision onB = b.scheduler.chooseForFlow(key, Set.of());
		assertThat(onB.reason()).isEqualTo(DecisionReason.PINNED);
		assertThat(b.replicator.takeLagHistogram().getTotalCount()).isPositive();
		// Back home on a (its pinned instance excluded, home is the best): b follows.
		Decision back = a.scheduler.chooseForFlow(key, Set.of(moved.instanceId()));
		assertThat(back.instanceId()).isEqualTo(home);
		await(() -> b.scheduler.chooseForFlow(key, Set.of()).instanceId().equals(home));
		assertThat(b.scheduler.chooseForFlow(key, Set.of()).reason()).isEqualTo(DecisionReason.HOME);
		assertThat(a.replicator.dropped()).isZero();
	}

	@Test
	void aReplicaStartedLaterShouldLoadThePinsAndRedisShouldHoldNoRawKey() {
		Replica a = replica(redis.port(), SchedulerConfig.ofDefaults(), 100_000);
		awaitUp(a);
		List<Long> keys = new ArrayList<>();
		List<String> targets = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			long key = StableHash.hash("secret-session-" + i);
			keys.add(key);
			targets.add(a.scheduler.chooseForFlow(key, Set.of(a.home(key))).instanceId());
		}
		await(() -> a.replicator.backlog() == 0 && a.replicator.published() >= 50);
		Replica late = replica(redis.port(), SchedulerConfig.ofDefaults(), 100_000);
		awaitUp(late);
		assertThat(late.replicator.loaded()).isGreaterThanOrEqualTo(50);
		for (int i = 0; i < keys.size(); i++) {
			Decision decision = late.scheduler.chooseForFlow(keys.get(i), Set.of());
			assertThat(decision.instanceId()).isEqualTo(targets.get(i));
			assertThat(decision.reason()).isEqualTo(DecisionReason.PINNED);
		}
		ReactiveStringRedisTemplate template = new ReactiveStringRedisTemplate(a.factory);
		List<String> stored = new ArrayList<>();
		template.scan(ScanOptions.scanOptions().match(this.prefix + ":*").build())
			.concatMap((k) -> template.opsForValue().get(k).map((v) -> k + "=" + v))
			.doOnNext(stored::add)
			.blockLast(WAIT);
		assertThat(stored).hasSizeGreaterThanOrEqualTo(50);
		assertThat(stored).noneMatch((entry) -> entry.contains("secret"));
		assertThat(stored).allMatch((entry) -> entry.startsWith(this.prefix + ":svc:pin:"));
	}

	@Test
	void aFlowBusyThroughOneReplicaShouldNotExpireOnTheOther() throws InterruptedException {
		SchedulerConfig.Builder builder = SchedulerConfig.custom();
		builder.idleTimeout = Duration.ofSeconds(2);
		SchedulerConfig shortIdle = builder.build();
		Replica a = replica(redis.port(), shortIdle, 100_000);
		Replica b = replica(redis.port(), shortIdle, 100_000);
		awaitUp(a, b);
		long key = StableHash.hash("busy-flow");
		String target = a.scheduler.chooseForFlow(key, Set.of(a.home(key))).instanceId();
		await(() -> b.scheduler.chooseForFlow(key, Set.of()).instanceId().equals(target));
		// Busy through a only, for three idle timeouts.
		long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
		while (System.nanoTime() < end) {
			assertThat(a.scheduler.chooseForFlow(key, Set.of()).instanceId()).isEqualTo(target);
			Thread.sleep(100);
		}
		Decision onB = b.scheduler.chooseForFlow(key, Set.of());
		assertThat(onB.instanceId()).isEqualTo(target);
		assertThat(onB.reason()).isEqualTo(DecisionReason.PINNED);
		// Idle everywhere: forgotten everywhere.
		long idleKey = StableHash.hash("idle-flow");
		String idleTarget = a.scheduler.chooseForFlow(idleKey, Set.of(a.home(idleKey))).instanceId();
		await(() -> b.scheduler.chooseForFlow(idleKey, Set.of()).instanceId().equals(idleTarget));
		Thread.sleep(5000);
		assertThat(b.scheduler.chooseForFlow(idleKey, Set.of()).instanceId()).isEqualTo(a.home(idleKey));
	}

	@Test
	void anUnreachableRedisShouldFailNoDecisionAndCountDrops() throws InterruptedException {
		int closedPort;
		try (RedisServerProcess other = RedisServerProcess.start()) {
			closedPort = other.port();
		}
		Replica a = replica(closedPort, SchedulerConfig.ofDefaults(), 10);
		for (int i = 0; i < 100; i++) {
			long key = StableHash.hash("offline-" + i);
			Decision decision = a.scheduler.chooseForFlow(key, Set.of(a.home(key)));
			assertThat(decision.moveCause()).isNull();
			assertThat(a.scheduler.chooseForFlow(key, Set.of()).instanceId()).isEqualTo(decision.instanceId());
		}
		assertThat(a.replicator.dropped()).isGreaterThanOrEqualTo(90 - 10);
		await(() -> a.replicator.state() == PinReplicator.State.DOWN);
		assertThat(a.replicator.details()).containsEntry("state", "down").containsKey("error");
		assertThat(a.scheduler.counters().moves(MoveCause.RETRY)).isZero();
	}

	private Replica replica(int port, SchedulerConfig config, int maxBacklog) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", port));
		factory.afterPropertiesSet();
		factory.start();
		SchedulerRegistry registry = new SchedulerRegistry((id) -> config, NanoClock.SYSTEM);
		PinReplicator replicator = new PinReplicator(new RedisPinStore(factory, this.prefix, Duration.ofMillis(500)),
				registry, Duration.ofMillis(20), maxBacklog, config.idleTimeout());
		replicator.start();
		Scheduler scheduler = registry.scheduler("svc");
		scheduler.updateInstances(INSTANCES);
		this.closeables.add(factory::destroy);
		this.closeables.add(0, replicator);
		return new Replica(factory, registry, replicator, scheduler);
	}

	private static void awaitUp(Replica... replicas) {
		for (Replica replica : replicas) {
			await(() -> replica.replicator.state() == PinReplicator.State.UP);
		}
	}

	private static void await(BooleanSupplier condition) {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime() - deadline).as("condition within " + WAIT).isNegative();
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
	}

	private record Replica(LettuceConnectionFactory factory, SchedulerRegistry registry, PinReplicator replicator,
			Scheduler scheduler) {

		String home(long key) {
			return ConsistentHashRing.build(INSTANCES, this.scheduler.config().virtualNodes()).home(key);
		}

	}

}
