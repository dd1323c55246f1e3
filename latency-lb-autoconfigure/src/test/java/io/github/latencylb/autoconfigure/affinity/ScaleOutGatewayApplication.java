package io.github.latencylb.autoconfigure.affinity;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Gateway application for tests that run several gateways in one JVM: routes come from
 * properties, and each gateway has its own Reactor Netty resources, so that closing one
 * (to restart it) does not dispose the global event loops that the other gateways, the
 * test's backends and its clients use. No component scanning.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ScaleOutGatewayApplication {

	@Bean
	ReactorResourceFactory reactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

}
