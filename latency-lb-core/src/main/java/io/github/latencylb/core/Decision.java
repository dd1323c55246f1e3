package io.github.latencylb.core;

import org.jspecify.annotations.Nullable;

/**
 * The instance the scheduler chose for one request, and why. Immutable.
 */
public final class Decision {

	private final InstanceStats instance;

	private final DecisionReason reason;

	private final @Nullable MoveCause moveCause;

	Decision(InstanceStats instance, DecisionReason reason, @Nullable MoveCause moveCause) {
		this.instance = instance;
		this.reason = reason;
		this.moveCause = moveCause;
	}

	/**
	 * Return the chosen instance's id.
	 * @return the instance id
	 */
	public String instanceId() {
		return this.instance.id;
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

	@Override
	public String toString() {
		return this.instance.id + " (" + this.reason.tag()
				+ ((this.moveCause != null) ? ", moved: " + this.moveCause.tag() : "") + ")";
	}

}
