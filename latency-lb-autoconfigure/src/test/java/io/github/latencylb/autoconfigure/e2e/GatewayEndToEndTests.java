package io.github.latencylb.autoconfigure.e2e;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextCustomizerFactories;

/**
 * An end-to-end test of a real gateway: {@link GatewayTestApplication} on a random port
 * (a fresh one per test class), with route {@code svc} sending every path to
 * {@code lb://svc}, whose simple-discovery instances are the loopback backends of the
 * class's {@link GatewayExtension}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(classes = GatewayTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ContextCustomizerFactories(GatewayExtension.RouteCustomizerFactory.class)
@DirtiesContext
@interface GatewayEndToEndTests {

	/**
	 * Properties of the test's gateway, besides the route and its instances.
	 * @return the properties, as {@code key=value}
	 */
	@AliasFor(annotation = SpringBootTest.class, attribute = "properties")
	String[] properties() default {};

}
