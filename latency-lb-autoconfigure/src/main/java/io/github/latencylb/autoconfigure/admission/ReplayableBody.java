package io.github.latencylb.autoconfigure.admission;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
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

	private final @Nullable ReplayableBodyReader stream;

	ReplayableBody(byte @Nullable [] copy, @Nullable ReplayableBodyReader stream) {
		this.copy = copy;
		this.stream = stream;
	}

	/**
	 * Return the body of a request whose headers say it has none (no
	 * {@code Content-Length} above zero, no {@code Transfer-Encoding}): known at once,
	 * without reading anything.
	 * @param request the request
	 * @return the absent body, or {@code null} when the request may have one
	 */
	static @Nullable ReplayableBody none(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		long length = headers.getContentLength();
		return (length == 0 || (length < 0 && headers.getFirst(HttpHeaders.TRANSFER_ENCODING) == null)) ? NONE : null;
	}

	/**
	 * Read the request's body ahead, up to {@code maxBytes}.
	 * @param request the client's request
	 * @param maxBytes the largest body kept as a copy
	 * @return the body, once it is read or known to be larger than {@code maxBytes}
	 */
	static Mono<ReplayableBody> read(ServerHttpRequest request, int maxBytes) {
		ReplayableBody none = none(request);
		if (none != null) {
			return Mono.just(none);
		}
		long length = request.getHeaders().getContentLength();
		if (length > maxBytes) {
			// Known to be too large: stream it from the start, reading nothing ahead.
			ReplayableBodyReader reader = new ReplayableBodyReader(request.getBody(), maxBytes, null);
			return Mono.just(new ReplayableBody(null, reader));
		}
		return Mono.create((sink) -> {
			ReplayableBodyReader reader = new ReplayableBodyReader(request.getBody(), maxBytes, sink);
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
		ReplayableBodyReader stream = this.stream;
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

}
