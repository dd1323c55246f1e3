package io.github.latencylb.autoconfigure.admission;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.MonoSink;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * Reads a {@link ReplayableBody} ahead up to the limit, then hands the rest on to the one
 * attempt that takes it, with back-pressure.
 */
final class ReplayableBodyReader extends BaseSubscriber<DataBuffer> {

	private final Flux<DataBuffer> source;

	private final int maxBytes;

	private @Nullable MonoSink<ReplayableBody> result;

	private byte[] prefix = new byte[0];

	private int size;

	/** Set once an attempt subscribed to the streamed body. Guarded by this. */
	private @Nullable FluxSink<DataBuffer> sink;

	private boolean taken;

	private boolean started;

	/** A terminal signal that came before an attempt subscribed. Guarded by this. */
	private boolean completed;

	private @Nullable Throwable failed;

	ReplayableBodyReader(Flux<DataBuffer> source, int maxBytes, @Nullable MonoSink<ReplayableBody> result) {
		this.source = source;
		this.maxBytes = maxBytes;
		this.result = result;
	}

	synchronized void start() {
		this.started = true;
		this.source.subscribe(this);
	}

	synchronized boolean subscribed() {
		return this.taken;
	}

	Flux<DataBuffer> body(DataBufferFactory factory) {
		return Flux.<DataBuffer>create((sink) -> {
			synchronized (this) {
				if (this.taken) {
					sink.error(new IllegalStateException("A streamed request body can be sent only once"));
					return;
				}
				this.taken = true;
			}
			// The part read ahead goes first; the sink is published only after it, so
			// that an end of the body arriving meanwhile cannot overtake it.
			if (this.size > 0) {
				sink.next(factory.wrap(Arrays.copyOf(this.prefix, this.size)));
			}
			boolean subscribe;
			boolean complete;
			Throwable error;
			synchronized (this) {
				this.sink = sink;
				subscribe = !this.started;
				this.started = true;
				complete = this.completed;
				error = this.failed;
			}
			if (error != null) {
				sink.error(error);
				return;
			}
			if (complete) {
				sink.complete();
				return;
			}
			sink.onRequest(this::request);
			sink.onCancel(this::cancel);
			if (subscribe) {
				this.source.subscribe(this);
			}
		}).doOnDiscard(DataBuffer.class, DataBufferUtils::release);
	}

	synchronized void discard() {
		if (!this.taken) {
			dispose();
		}
	}

	@Override
	protected void hookOnSubscribe(Subscription subscription) {
		FluxSink<DataBuffer> sink;
		synchronized (this) {
			sink = this.sink;
		}
		if (sink == null) {
			// Reading ahead: one buffer at a time.
			subscription.request(1);
		}
		else if (sink.requestedFromDownstream() > 0) {
			subscription.request(sink.requestedFromDownstream());
		}
	}

	@Override
	protected void hookOnNext(DataBuffer buffer) {
		FluxSink<DataBuffer> sink;
		synchronized (this) {
			sink = this.sink;
		}
		if (sink != null) {
			sink.next(buffer);
			return;
		}
		try {
			int readable = buffer.readableByteCount();
			if (this.size + readable > this.prefix.length) {
				this.prefix = Arrays.copyOf(this.prefix,
						Math.max(this.size + readable, Math.min(this.maxBytes + 1, this.prefix.length * 2 + 1)));
			}
			buffer.read(this.prefix, this.size, readable);
			this.size += readable;
		}
		finally {
			DataBufferUtils.release(buffer);
		}
		if (this.size > this.maxBytes) {
			// Too large to keep: stream it, without asking for more until an attempt
			// takes it.
			MonoSink<ReplayableBody> result = this.result;
			this.result = null;
			result.success(new ReplayableBody(null, this));
		}
		else {
			request(1);
		}
	}

	@Override
	protected void hookOnComplete() {
		FluxSink<DataBuffer> sink;
		MonoSink<ReplayableBody> result;
		synchronized (this) {
			sink = this.sink;
			result = this.result;
			this.result = null;
			this.completed = true;
		}
		if (result != null) {
			byte[] copy = Arrays.copyOf(this.prefix, this.size);
			this.prefix = new byte[0];
			result.success(new ReplayableBody(copy, null));
		}
		else if (sink != null) {
			sink.complete();
		}
	}

	@Override
	protected void hookOnError(Throwable error) {
		FluxSink<DataBuffer> sink;
		MonoSink<ReplayableBody> result;
		synchronized (this) {
			sink = this.sink;
			result = this.result;
			this.result = null;
			this.failed = error;
		}
		if (result != null) {
			result.error(error);
		}
		else if (sink != null) {
			sink.error(error);
		}
	}

}
