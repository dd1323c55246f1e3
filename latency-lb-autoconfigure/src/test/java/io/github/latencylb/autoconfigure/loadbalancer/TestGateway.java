package io.github.latencylb.autoconfigure.loadbalancer;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.NotFoundException;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

/**
 * Hand-built pieces of a gateway for unit tests: a load balancer over fixed instances,
 * exchanges routed to {@code lb://svc} or elsewhere, and a chain that chooses like
 * Gateway's {@code ReactiveLoadBalancerClientFilter} and then runs a given routing step.
 */
public final class TestGateway {

	private TestGateway() {
	}

	/**
	 * Return instances {@code svc} at 127.0.0.1 on the given ports.
	 * @param ports the ports
	 * @return the instances
	 */
	public static List<ServiceInstance> instances(int... ports) {
		return java.util.Arrays.stream(ports)
			.mapToObj((port) -> (ServiceInstance) new DefaultServiceInstance("svc-" + port, "svc", "127.0.0.1", port,
					false))
			.toList();
	}

	/**
	 * Return a load balancer whose supplier lists fixed instances.
	 * @param balancer the service's scheduler holder
	 * @param instances the instances
	 * @return the load balancer
	 */
	public static LatencyAwareLoadBalancer loadBalancer(io.github.latencylb.core.Scheduler balancer,
			List<ServiceInstance> instances) {
		DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
		beans.registerSingleton("supplier", new ServiceInstanceListSupplier() {

			@Override
			public String getServiceId() {
				return "svc";
			}

			@Override
			public Flux<List<ServiceInstance>> get() {
				return Flux.just(instances);
			}

		});
		return new LatencyAwareLoadBalancer(beans.getBeanProvider(ServiceInstanceListSupplier.class), "svc", balancer);
	}

	/**
	 * Return an exchange routed to {@code uri}, as Gateway's route mapping and
	 * {@code RouteToRequestUrlFilter} leave it.
	 * @param uri the route's URI, e.g. {@code lb://svc}
	 * @param request the request
	 * @return the exchange
	 */
	public static MockServerWebExchange routedTo(String uri, MockServerHttpRequest request) {
		MockServerWebExchange exchange = MockServerWebExchange.from(request);
		Route route = Route.async().id("r").uri(URI.create(uri)).predicate((e) -> true).build();
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, URI.create(uri + "/"));
		return exchange;
	}

	/**
	 * Run a filter on an exchange routed to a plain (not load-balanced) URI.
	 * @param filter the filter
	 * @return the exchange, and the exchanges the filter passed down the chain
	 */
	public static PassedOn passOn(GlobalFilter filter) {
		MockServerWebExchange exchange = routedTo("http://example.org", MockServerHttpRequest.get("/").build());
		int attributes = exchange.getAttributes().size();
		List<ServerWebExchange> passed = new ArrayList<>();
		filter.filter(exchange, (e) -> {
			passed.add(e);
			return Mono.empty();
		}).block(Duration.ofSeconds(5));
		return new PassedOn(exchange, attributes, passed);
	}

	/**
	 * Return a chain that chooses through the load balancer, as Gateway does, and then
	 * runs {@code routing} on the chosen attempt.
	 * @param loadBalancer the load balancer
	 * @param routing what the routing filter does with the attempt
	 * @return the chain
	 */
	public static GatewayFilterChain choosing(LatencyAwareLoadBalancer loadBalancer,
			Function<ServerWebExchange, Mono<Void>> routing) {
		return (exchange) -> loadBalancer
			.choose(new DefaultRequest<>(
					new RequestDataContext(new RequestData(exchange.getRequest(), exchange.getAttributes()))))
			.doOnNext((response) -> {
				if (!response.hasServer()) {
					throw NotFoundException.create(false, "Unable to find instance for svc");
				}
				exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_LOADBALANCER_RESPONSE_ATTR, response);
			})
			.then(Mono.defer(() -> routing.apply(exchange)));
	}

	/**
	 * What a filter did with an exchange it should only have passed on.
	 *
	 * @param exchange the exchange
	 * @param attributesBefore how many attributes it had before the filter
	 * @param passed the exchanges the filter passed down the chain
	 */
	public record PassedOn(MockServerWebExchange exchange, int attributesBefore, List<ServerWebExchange> passed) {
	}

}
