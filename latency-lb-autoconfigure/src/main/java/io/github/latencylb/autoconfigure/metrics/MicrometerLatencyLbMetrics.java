package io.github.latencylb.autoconfigure.metrics;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * {@link LatencyLbMetrics} on a Micrometer {@link MeterRegistry}. Meters are registered
 * on first use and cached, so a metric shows up once the event first happens. The queue
 * wait timer publishes a percentile histogram (1 ms to 1 min) for quantiles across
 * instances.
 */
public final class MicrometerLatencyLbMetrics implements LatencyLbMetrics {

	private final MeterRegistry registry;

	/** Queue-wait timers by service, then class: looked up on every admission. */
	private final ConcurrentMap<String, ConcurrentMap<Integer, Timer>> waits = new ConcurrentHashMap<>();

	private final ConcurrentMap<Key, Counter> rejections = new ConcurrentHashMap<>();

	private final ConcurrentMap<Key, Counter> retries = new ConcurrentHashMap<>();

	/**
	 * Create a recorder.
	 * @param registry where meters are registered
	 */
	public MicrometerLatencyLbMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void recordQueueWait(String serviceId, int priorityClass, Duration wait) {
		// Two plain lookups (a service id's hash is cached; small classes box to cached
		// Integers) rather than a composite key built and compared per request.
		ConcurrentMap<Integer, Timer> byClass = this.waits.get(serviceId);
		if (byClass == null) {
			byClass = this.waits.computeIfAbsent(serviceId, (k) -> new ConcurrentHashMap<>());
		}
		Timer timer = byClass.get(priorityClass);
		if (timer == null) {
			timer = byClass.computeIfAbsent(priorityClass,
					(k) -> Timer.builder(QUEUE_WAIT)
						.description("Time admitted requests waited for a permit (zero when one was free)")
						.tag("service", serviceId)
						.tag("class", Integer.toString(priorityClass))
						.publishPercentileHistogram()
						.minimumExpectedValue(Duration.ofMillis(1))
						.maximumExpectedValue(Duration.ofMinutes(1))
						.register(this.registry));
		}
		timer.record(wait);
	}

	@Override
	public void recordRejection(String serviceId, int priorityClass, String cause) {
		Key key = new Key(serviceId, Integer.toString(priorityClass), cause);
		this.rejections
			.computeIfAbsent(key,
					(k) -> Counter.builder(QUEUE_REJECTIONS)
						.description("Requests rejected by admission (queue timeout or full)")
						.tag("service", k.service())
						.tag("class", k.first())
						.tag("cause", k.second())
						.register(this.registry))
			.increment();
	}

	@Override
	public void recordRetry(String serviceId, String outcome) {
		Key key = new Key(serviceId, outcome, "");
		this.retries
			.computeIfAbsent(key,
					(k) -> Counter.builder(RETRIES)
						.description("Retry decisions by outcome (retried on another instance, or refused)")
						.tag("service", k.service())
						.tag("outcome", k.first())
						.register(this.registry))
			.increment();
	}

	private record Key(String service, String first, String second) {
	}

}
