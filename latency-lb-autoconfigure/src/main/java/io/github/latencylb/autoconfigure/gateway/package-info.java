/**
 * Spring Cloud Gateway glue: the request scope of `lb` routes and flow-key extraction.
 */
@NullMarked
package io.github.latencylb.autoconfigure.gateway;

import org.jspecify.annotations.NullMarked;
