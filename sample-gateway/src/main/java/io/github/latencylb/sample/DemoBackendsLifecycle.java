package io.github.latencylb.sample;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Stops the demo backends when the gateway's context closes.
 */
@Component
class DemoBackendsLifecycle implements DisposableBean {

	private final String token;

	DemoBackendsLifecycle(Environment environment) {
		this.token = environment.getProperty(DemoBackends.TOKEN_PROPERTY);
	}

	@Override
	public void destroy() {
		if (this.token != null) {
			DemoBackends.stop(this.token);
		}
	}

}
