package io.github.latencylb.core.admission;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link SemaphorePermitPool}.
 */
class SemaphorePermitPoolTests {

	@Test
	void tryAcquireShouldTakeFreePermitsOnlyAndReleaseShouldReturnThem() {
		SemaphorePermitPool pool = new SemaphorePermitPool(2);
		assertThat(pool.tryAcquire()).isTrue();
		assertThat(pool.tryAcquire()).isTrue();
		assertThat(pool.tryAcquire()).isFalse();
		assertThat(pool.availablePermits()).isZero();
		pool.release();
		assertThat(pool.availablePermits()).isOne();
		assertThat(pool.maxPermits()).isEqualTo(2);
	}

	@Test
	void releaseWhenAllPermitsFreeShouldThrow() {
		SemaphorePermitPool pool = new SemaphorePermitPool(1);
		assertThatIllegalStateException().isThrownBy(pool::release);
		assertThat(pool.availablePermits()).isOne();
	}

	@Test
	void createWhenNegativeShouldThrow() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SemaphorePermitPool(-1));
	}

}
