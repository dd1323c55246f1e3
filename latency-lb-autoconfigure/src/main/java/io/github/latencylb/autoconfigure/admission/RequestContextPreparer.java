package io.github.latencylb.autoconfigure.admission;

import java.util.concurrent.Executor;

import io.github.latencylb.autoconfigure.gateway.FlowKeyExtractor;
import io.github.latencylb.autoconfigure.loadbalancer.LatencyLbRequestContext;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * Gives a request's {@link LatencyLbRequestContext} what the load balancer needs to
 * choose and admit its attempts: the flow key ({@link FlowKeyExtractor}), the priority
 * ({@link PriorityClassifier}, unless a route set it), the admission, whether it asks for
 * a WebSocket upgrade, the request's event loop (where an attempt that waited for its
 * permit resumes), and a hook that tells the context when the response is committed.
 */
final class RequestContextPreparer {

	private final FlowKeyExtractor flowKeys;

	private final @Nullable PriorityClassifier classifier;

	private final LatencyLbRequestContext.@Nullable AttemptAdmission admission;

	/**
	 * Create a preparer.
	 * @param flowKeys reads the flow key
	 * @param classifier classifies requests, or {@code null} to leave every request in
	 * class 0 (unless a route sets its class)
	 * @param admission admits each attempt, or {@code null} to admit at once
	 */
	RequestContextPreparer(FlowKeyExtractor flowKeys, @Nullable PriorityClassifier classifier,
			LatencyLbRequestContext.@Nullable AttemptAdmission admission) {
		this.flowKeys = flowKeys;
		this.classifier = classifier;
		this.admission = admission;
	}

	/**
	 * Prepare the request's context, created here when no filter scoped it to the
	 * response body.
	 * @param exchange the current exchange
	 * @return the request context
	 */
	LatencyLbRequestContext prepare(ServerWebExchange exchange) {
		LatencyLbRequestContext context = LatencyLbRequestContext.of(exchange);
		if (context == null) {
			context = new LatencyLbRequestContext(false);
			exchange.getAttributes().put(LatencyLbRequestContext.ATTRIBUTE, context);
		}
		context.setFlowKeyHash(this.flowKeys.flowKeyHash(exchange.getRequest()));
		if (this.classifier != null) {
			PriorityClassifier.Classification classification = this.classifier.classify(exchange.getRequest());
			context.getPriority()
				.classify(classification.priorityClass(), classification.offset(), classification.healthCheck());
		}
		context.setAdmission(this.admission);
		boolean webSocket = "websocket".equalsIgnoreCase(exchange.getRequest().getHeaders().getUpgrade());
		context.setWebSocket(webSocket);
		context.setResumeExecutor(eventLoop(exchange));
		if (webSocket) {
			// An upgrade's chain lasts as long as its socket: its latency sample
			// ends and its request permit goes back when the 101 is committed. An
			// HTTP attempt ends its sample when its chain completes at the response
			// headers (RetryGlobalFilter), before the commit: it needs no commit
			// action, each of which is one more publisher in the response's commit.
			LatencyLbRequestContext committing = context;
			exchange.getResponse().beforeCommit(() -> {
				committing.onCommit();
				return Mono.empty();
			});
		}
		return context;
	}

	/**
	 * Return the event loop of the request's connection.
	 * @param exchange the current exchange
	 * @return the event loop, or {@code null} when the request has no Reactor Netty
	 * connection (e.g. a mock request)
	 */
	static @Nullable Executor eventLoop(ServerWebExchange exchange) {
		try {
			Object request = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
			return (request instanceof Connection connection) ? connection.channel().eventLoop() : null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

}
