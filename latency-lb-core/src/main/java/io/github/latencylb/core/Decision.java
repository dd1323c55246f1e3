package io.github.latencylb.core;

import org.jspecify.annotations.Nullable;

/**
 * The instance the scheduler chose for one request, and why. Immutable.
 */
public final class Decision {

	private final InstanceStats instance;

	private final DecisionReason reason;

	private final @Nullable MoveCause moveCause;

	private final boolean keyed;

	private final long flowHash;

	Decision(InstanceStats instance, DecisionReason reason, @Nullable MoveCause moveCause) {
		this(instance, reason, moveCause, false, 0);
	}

	Decision(InstanceStats instance, DecisionReason reason, @Nullable MoveCause moveCause, boolean keyed,
			long flowHash) {
		this.instance = instance;
		this.reason = reason;
		this.moveCause = moveCause;
		this.keyed = keyed;
		this.flowHash = flowHash;
	}

	/**
	 * Return the chosen instance's id.
	 * @return the instance id
	 */
	public String instanceId() {
		return this.instance.id;
	}

	/**
	 * Return the tag the caller attached to the chosen instance in its instance list
	 * ({@link ConsistentHashRing.WeightedInstance#tag()}).
	 * @return the tag, or {@code null} if it has none
	 */
	public @Nullable Object instanceTag() {
		return this.instance.tag;
	}

	/**
	 * Return why it was chosen.
	 * @return the reason
	 */
	public DecisionReason reason() {
		return this.reason;
	}

	/**
	 * Return why an existing flow moved with this decision, or {@code null} when it did
	 * not move.
	 * @return the move cause
	 */
	public @Nullable MoveCause moveCause() {
		return this.moveCause;
	}

	/**
	 * Return the admission state of the chosen instance, resolved once per instance (see
	 * {@link AdmissionView#handle}): read it instead of looking the instance up by id.
	 * @return the handle
	 */
	public AdmissionHandle admission() {
		return this.instance.admission();
	}

	InstanceStats stats() {
		return this.instance;
	}

	/**
	 * Whether the request has a flow key.
	 * @return whether keyed
	 */
	boolean keyed() {
		return this.keyed;
	}

	/**
	 * The flow key's hash of a keyed request ({@code 0} for a keyless one).
	 * @return the hash
	 */
	long flowHash() {
		return this.flowHash;
	}

	@Override
	public String toString() {
		return this.instance.id + " (" + this.reason.tag()
				+ ((this.moveCause != null) ? ", moved: " + this.moveCause.tag() : "") + ")";
	}

}
