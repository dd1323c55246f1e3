package io.github.latencylb.autoconfigure.loadbalancer;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import io.github.latencylb.core.FlowTable;
import io.github.latencylb.core.NanoClock;
import io.github.latencylb.core.Scheduler;
import io.github.latencylb.core.SchedulerConfig;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * One {@link Scheduler} per service, created on first use with the service's
 * configuration (global knobs overlaid with {@code latency-lb.services.<serviceId>.*}).
 * Every scheduler records its flows in one {@link FlowTable}, so that one bound
 * ({@code latency-lb.affinity.max-flows}) holds for the whole gateway. Lives in the
 * application context so that endpoints and metrics see every service. Thread-safe.
 */
public class SchedulerRegistry {

	private static final Log logger = LogFactory.getLog(SchedulerRegistry.class);

	private static final RandomGenerator THREAD_LOCAL_RANDOM = new ThreadLocalRandomGenerator();

	private final ConcurrentMap<String, Scheduler> schedulers = new ConcurrentHashMap<>();

	private final Function<String, SchedulerConfig> configs;

	private final NanoClock clock;

	private final FlowTable flows;

	private final List<Consumer<Scheduler>> listeners = new CopyOnWriteArrayList<>();

	/**
	 * Create a registry.
	 * @param configs the configuration of each service id
	 * @param clock the time source
	 */
	public SchedulerRegistry(Function<String, SchedulerConfig> configs, NanoClock clock) {
		this(configs, clock, new FlowTable(SchedulerConfig.ofDefaults().maxFlows(), clock));
	}

	/**
	 * Create a registry whose schedulers share a flow table.
	 * @param configs the configuration of each service id
	 * @param clock the time source
	 * @param flows the flow table of every service
	 */
	public SchedulerRegistry(Function<String, SchedulerConfig> configs, NanoClock clock, FlowTable flows) {
		this.configs = configs;
		this.clock = clock;
		this.flows = flows;
	}

	/**
	 * Return the flow table shared by every service.
	 * @return the flow table
	 */
	public FlowTable flows() {
		return this.flows;
	}

	/**
	 * Return the scheduler of a service, creating it on first use.
	 * @param serviceId the service id
	 * @return its scheduler
	 */
	public Scheduler scheduler(String serviceId) {
		Scheduler existing = this.schedulers.get(serviceId);
		if (existing != null) {
			return existing;
		}
		boolean[] created = new boolean[1];
		Scheduler scheduler = this.schedulers.computeIfAbsent(serviceId, (id) -> {
			SchedulerConfig config = this.configs.apply(id);
			logger.info("latency-lb scheduling service '" + id + "': " + config);
			created[0] = true;
			return new Scheduler(id, config, this.clock, THREAD_LOCAL_RANDOM, this.flows);
		});
		if (created[0]) {
			this.listeners.forEach((listener) -> listener.accept(scheduler));
		}
		return scheduler;
	}

	/**
	 * Register a listener of schedulers, e.g. to bind metrics: it is called at once for
	 * every existing scheduler, then for each one created later. A scheduler created
	 * while the listener is being added may be passed twice.
	 * @param listener receives each scheduler
	 */
	public void addListener(Consumer<Scheduler> listener) {
		this.listeners.add(listener);
		this.schedulers.values().forEach(listener);
	}

	/**
	 * Return the schedulers created so far, by service id.
	 * @return an unmodifiable sorted view
	 */
	public Map<String, Scheduler> schedulers() {
		return Collections.unmodifiableMap(new TreeMap<>(this.schedulers));
	}

	/**
	 * Return an existing scheduler without creating one.
	 * @param serviceId the service id
	 * @return the scheduler, or {@code null}
	 */
	public Scheduler find(String serviceId) {
		return this.schedulers.get(serviceId);
	}

	/**
	 * Give every existing scheduler its service's current configuration (e.g. after the
	 * environment changed). A configuration that fails is logged and the scheduler keeps
	 * its own.
	 */
	public void reconfigure() {
		this.schedulers.forEach((serviceId, scheduler) -> {
			try {
				SchedulerConfig config = this.configs.apply(serviceId);
				if (!config.equals(scheduler.config())) {
					logger.info("latency-lb reconfiguring service '" + serviceId + "': " + config);
					scheduler.reconfigure(config);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("latency-lb keeps the configuration of service '" + serviceId + "': " + ex.getMessage());
			}
		});
	}

	/**
	 * The calling thread's {@link ThreadLocalRandom}, bounded draws included (the
	 * interface's default {@code nextInt(bound)} would rebuild them from
	 * {@code nextLong()}).
	 */
	private static final class ThreadLocalRandomGenerator implements RandomGenerator {

		@Override
		public long nextLong() {
			return ThreadLocalRandom.current().nextLong();
		}

		@Override
		public int nextInt(int bound) {
			return ThreadLocalRandom.current().nextInt(bound);
		}

		@Override
		public double nextDouble() {
			return ThreadLocalRandom.current().nextDouble();
		}

	}

}
