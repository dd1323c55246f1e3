package io.github.latencylb.autoconfigure.e2e;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Minimal gateway application for end-to-end tests: routes come from properties.
 */
@SpringBootApplication
class GatewayTestApplication {

}
