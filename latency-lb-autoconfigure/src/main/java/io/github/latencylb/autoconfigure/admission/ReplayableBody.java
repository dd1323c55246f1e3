package io.github.latencylb.autoconfigure.admission;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * The body of one proxied request, kept so that a retry sends the next instance exactly
 * what the client sent, or is not made. A body of at most {@code maxBytes} is read before
 * the first attempt and kept as a copy ({@link #replayable()}): every attempt sends the
 * whole copy. A larger body (or one whose {@code Content-Length} already says it is
 * larger) is streamed once: the part read ahead, then the rest; once an attempt has
 * started sending it ({@link #consumed()}), no other attempt may. A request with no body
 * ({@code Content-Length: 0}, or neither {@code Content-Length} nor
 * {@code Transfer-Encoding}, as in HTTP/1.1) is left alone.
 * <p>
 * Memory: the copy is a heap array of at most {@code maxBytes} (plus one network read)
 * per request in flight, freed with the request; a streamed body keeps the part read
 * ahead until it is sent.
 */
final class ReplayableBody {

	private static final ReplayableBody NONE = new ReplayableBody(null, null);

	private final byte @Nullable [] copy;

	private final @Nullable Reader stream;

	private ReplayableBody(byte @Nullable [] copy, @Nullable Reader stream) {
		this.copy = copy;
		this.stream = stream;
	}

	/**
	 * Read the request's body ahead, up to {@code maxBytes}.
	 * @param request the client's request
	 * @param maxBytes the largest body kept as a copy
	 * @return the body, once it is read or known to be larger than {@code maxBytes}
	 */
	static Mono<ReplayableBody> read(ServerHttpRequest request, int maxBytes) {
		HttpHeaders headers = request.getHeaders();
		long length = headers.getContentLength();
		if (length == 0 || (length < 0 && headers.getFirst(HttpHeaders.TRANSFER_ENCODING) == null)) {
			return Mono.just(NONE);
		}
		if (length > maxBytes) {
			// Known to be too large: stream it from the start, reading nothing ahead.
			Reader reader = new Reader(request.getBody(), maxBytes, null);
			return Mono.just(new ReplayableBody(null, reader));
		}
		return Mono.create((sink) -> {
			Reader reader = new Reader(request.getBody(), maxBytes, sink);
			sink.onCancel(reader::discard);
			reader.start();
		});
	}

	/**
	 * Return whether the request has a body.
	 * @return whether present
	 */
	boolean present() {
		return this != NONE;
	}

	/**
	 * Return whether every attempt can send the whole body (no body, or a kept copy).
	 * @return whether replayable
	 */
	boolean replayable() {
		return this.stream == null;
	}

	/**
	 * Return whether a streamed body was taken by an attempt (whether or not all of it
	 * was sent): no further attempt may send it.
	 * @return whether consumed
	 */
	boolean consumed() {
		return this.stream != null && this.stream.subscribed();
	}

	/**
	 * Return the size of the kept copy.
	 * @return its bytes, or -1 without one
	 */
	int copySize() {
		return (this.copy != null) ? this.copy.length : -1;
	}

	/**
	 * Return the request to send, whose body is this one.
	 * @param request the client's request
	 * @param factory creates the buffers of the copy
	 * @return the request, unchanged when there is no body
	 */
	ServerHttpRequest decorate(ServerHttpRequest request, DataBufferFactory factory) {
		if (this == NONE) {
			return request;
		}
		byte[] copy = this.copy;
		Reader stream = this.stream;
		return new ServerHttpRequestDecorator(request) {

			@Override
			public Flux<DataBuffer> getBody() {
				if (copy != null) {
					// A fresh buffer over the copy each time: the HTTP client releases
					// it.
					return (copy.length > 0) ? Flux.defer(() -> Flux.just(factory.wrap(copy))) : Flux.empty();
				}
				return stream.body(factory);
			}

		};
	}

	/**
	 * The request is over: stop reading a streamed body that no attempt took.
	 */
	void discard() {
		if (this.stream != null) {
			this.stream.discard();
		}
	}

	/**
	 * Reads the body ahead up to the limit, then hands the rest on to the one attempt
	 * that takes it, with back-pressure.
	 */
	private static final class Reader extends BaseSubscriber<DataBuffer> {

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

		Reader(Flux<DataBuffer> source, int maxBytes, @Nullable MonoSink<ReplayableBody> result) {
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

}
