package io.github.latencylb.autoconfigure.gateway;

import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flow key extraction: which sources count, in which order, and which values make a
 * request keyless.
 */
class FlowKeyGlobalFilterTests {

	private final FlowKeyGlobalFilter filter = new FlowKeyGlobalFilter(List.of("SESSION", "JSESSIONID"),
			List.of("X-User"), false, 4096);

	@Test
	void flowKeyHashWhenSameCookieShouldBeStableAndDifferAcrossValues() {
		Long a = this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "abc").build());
		Long again = this.filter
			.flowKeyHash(MockServerHttpRequest.get("/x").header("Cookie", "SESSION=" + "abc").build());
		Long b = this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "abd").build());
		assertThat(a).isNotNull().isEqualTo(again).isNotEqualTo(b);
	}

	@Test
	void flowKeyHashWhenCookieMissingShouldUseTheNextCookieThenTheHeader() {
		Long jsession = this.filter
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "JSESSIONID=" + "abc").build());
		Long header = this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("X-User", "abc").build());
		assertThat(jsession).isNotNull();
		assertThat(header).isNotNull().isNotEqualTo(jsession);
		Long both = this.filter.flowKeyHash(
				MockServerHttpRequest.get("/").header("Cookie", "JSESSIONID=" + "abc").header("X-User", "zzz").build());
		assertThat(both).isEqualTo(jsession);
	}

	@Test
	void flowKeyHashWhenValueIsEmptyOversizedOrHasControlCharactersShouldBeKeyless() {
		assertThat(this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "").build()))
			.isNull();
		assertThat(this.filter
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "x".repeat(4097)).build()))
			.isNull();
		assertThat(this.filter
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "x".repeat(4096)).build()))
			.isNotNull();
		assertThat(this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("X-User", "a\u0001b").build()))
			.isNull();
		assertThat(this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("X-User", "   ").build())).isNull();
		assertThat(this.filter.flowKeyHash(MockServerHttpRequest.get("/").build())).isNull();
	}

	@Test
	void flowKeyHashWhenClientIpEnabledShouldUseTheAddressOnlyAsLastResort() {
		FlowKeyGlobalFilter byIp = new FlowKeyGlobalFilter(List.of("SESSION"), List.of(), true, 4096);
		InetSocketAddress client = new InetSocketAddress("192.0.2.7", 50000);
		InetSocketAddress samePortOther = new InetSocketAddress("192.0.2.7", 50001);
		Long ip = byIp.flowKeyHash(MockServerHttpRequest.get("/").remoteAddress(client).build());
		Long sameIp = byIp.flowKeyHash(MockServerHttpRequest.get("/").remoteAddress(samePortOther).build());
		Long cookie = byIp.flowKeyHash(
				MockServerHttpRequest.get("/").remoteAddress(client).header("Cookie", "SESSION=" + "s").build());
		assertThat(ip).isNotNull().isEqualTo(sameIp).isNotEqualTo(cookie);
		assertThat(this.filter.flowKeyHash(MockServerHttpRequest.get("/").remoteAddress(client).build())).isNull();
	}

	@Test
	void flowKeyHashWhenCookieHeaderHasSeveralPairsQuotesOrGarbageShouldFindTheNamedCookie() {
		Long plain = this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=abc").build());
		Long among = this.filter.flowKeyHash(
				MockServerHttpRequest.get("/").header("Cookie", "theme=dark; ;; =x; SESSION=abc; other=1").build());
		Long quoted = this.filter
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=\"abc\"").build());
		Long prefixOnly = this.filter
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "XSESSION=abc; SESSIONX=abc").build());
		assertThat(among).isEqualTo(plain);
		assertThat(quoted).isEqualTo(plain);
		assertThat(prefixOnly).isNull();
		assertThat(this.filter.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "=====;;;").build()))
			.isNull();
	}

}
