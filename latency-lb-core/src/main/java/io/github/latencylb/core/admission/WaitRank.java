package io.github.latencylb.core.admission;

import java.util.Comparator;

/**
 * Where a waiter stands in service order across the two levels of queueing: priority
 * class first (lower first, health checks keep their priority), then offset (lower
 * first), then arrival time (earlier first). The same order as one
 * {@link PriorityAdmissionQueue}, with the arrival time in place of its sequence so that
 * waiters of two queues compare.
 *
 * @param priorityClass the priority class, lower is served first
 * @param offset the order within the class, lower is served first
 * @param arrivalNanos when the request started waiting (a {@code NanoClock} reading)
 */
public record WaitRank(int priorityClass, int offset, long arrivalNanos) implements Comparable<WaitRank> {

	private static final Comparator<WaitRank> ORDER = Comparator.comparingInt(WaitRank::priorityClass)
		.thenComparingInt(WaitRank::offset)
		.thenComparingLong(WaitRank::arrivalNanos);

	@Override
	public int compareTo(WaitRank other) {
		return ORDER.compare(this, other);
	}

	/**
	 * Return whether this waiter goes strictly before another (ties go to the other).
	 * @param other the other waiter's rank, or {@code null} for nobody
	 * @return whether this one is served first
	 */
	public boolean before(WaitRank other) {
		return other == null || compareTo(other) < 0;
	}

}
