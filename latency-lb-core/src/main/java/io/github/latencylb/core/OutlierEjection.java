package io.github.latencylb.core;

/**
 * Outlier ejection: {@code consecutiveFailures} failures in a row eject an instance for
 * an interval that grows with repeated ejections ({@link EjectionBackoff}), while no more
 * than {@code maxPercent} of the instances are ejected at once. Overload responses
 * neither count nor reset the count: ejecting for overload would cascade through the
 * fleet.
 */
final class OutlierEjection {

	private final InstanceSet instances;

	private final FleetRefresh refresh;

	OutlierEjection(InstanceSet instances, FleetRefresh refresh) {
		this.instances = instances;
		this.refresh = refresh;
	}

	/**
	 * Count a response toward (or against) ejecting its instance.
	 * @param instance the instance that answered
	 * @param outcome how the request ended
	 * @param config the ejection configuration
	 * @param nowNanos the current time
	 */
	void onOutcome(InstanceStats instance, Lease.Outcome outcome, EjectionConfig config, long nowNanos) {
		if (outcome == Lease.Outcome.SUCCESS) {
			instance.consecutiveFailures.set(0);
			return;
		}
		if (outcome == Lease.Outcome.OVERLOAD) {
			return;
		}
		int threshold = config.consecutiveFailures();
		if (threshold > 0 && instance.consecutiveFailures.incrementAndGet() >= threshold) {
			tryEject(instance, config, nowNanos);
		}
	}

	private void tryEject(InstanceStats instance, EjectionConfig config, long nowNanos) {
		// Serialised with instance-set changes.
		synchronized (this.instances) {
			if (instance.ejected(nowNanos)) {
				return;
			}
			Topology topology = this.instances.current();
			int ejected = 0;
			for (InstanceStats s : topology.instances.values()) {
				if (s.ejected(nowNanos)) {
					ejected++;
				}
			}
			int allowed = topology.instances.size() * config.maxPercent() / 100;
			if (ejected + 1 > allowed) {
				return;
			}
			long base = config.baseTime().toNanos();
			int ejections = EjectionBackoff.decayed(instance.ejections, instance.ejectedUntilNanos, nowNanos, base) + 1;
			long interval = EjectionBackoff.interval(ejections, base, config.maxTime().toNanos());
			instance.ejections = ejections;
			instance.ejectedUntilNanos = nowNanos + interval;
			instance.consecutiveFailures.set(0);
			this.refresh.due(nowNanos);
		}
	}

}
