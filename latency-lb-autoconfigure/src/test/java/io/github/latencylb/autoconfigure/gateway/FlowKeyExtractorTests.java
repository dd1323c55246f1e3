package io.github.latencylb.autoconfigure.gateway;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.latencylb.core.FlowKeyConfig;
import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flow key extraction: which sources count, in which order, and which values make a
 * request keyless.
 */
class FlowKeyExtractorTests {

	private final FlowKeyExtractor extractor = new FlowKeyExtractor(
			new FlowKeyConfig(List.of("SESSION", "JSESSIONID"), List.of("X-User"), false, 4096));

	@Test
	void flowKeyHashWhenSameCookieShouldBeStableAndDifferAcrossValues() {
		Long a = this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "abc").build());
		Long again = this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/x").header("Cookie", "SESSION=" + "abc").build());
		Long b = this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "abd").build());
		assertThat(a).isNotNull().isEqualTo(again).isNotEqualTo(b);
	}

	@Test
	void flowKeyHashWhenCookieMissingShouldUseTheNextCookieThenTheHeader() {
		Long jsession = this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "JSESSIONID=" + "abc").build());
		Long header = this.extractor.flowKeyHash(MockServerHttpRequest.get("/").header("X-User", "abc").build());
		assertThat(jsession).isNotNull();
		assertThat(header).isNotNull().isNotEqualTo(jsession);
		Long both = this.extractor.flowKeyHash(
				MockServerHttpRequest.get("/").header("Cookie", "JSESSIONID=" + "abc").header("X-User", "zzz").build());
		assertThat(both).isEqualTo(jsession);
	}

	@Test
	void flowKeyHashWhenValueIsEmptyOversizedOrHasControlCharactersShouldBeKeyless() {
		assertThat(this.extractor.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "").build()))
			.isNull();
		assertThat(this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "x".repeat(4097)).build()))
			.isNull();
		assertThat(this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=" + "x".repeat(4096)).build()))
			.isNotNull();
		assertThat(this.extractor.flowKeyHash(MockServerHttpRequest.get("/").header("X-User", "a\u0001b").build()))
			.isNull();
		assertThat(this.extractor.flowKeyHash(MockServerHttpRequest.get("/").header("X-User", "   ").build())).isNull();
		assertThat(this.extractor.flowKeyHash(MockServerHttpRequest.get("/").build())).isNull();
	}

	@Test
	void flowKeyHashWhenClientIpEnabledShouldUseTheAddressOnlyAsLastResort() {
		FlowKeyExtractor byIp = new FlowKeyExtractor(new FlowKeyConfig(List.of("SESSION"), List.of(), true, 4096));
		InetSocketAddress client = new InetSocketAddress("192.0.2.7", 50000);
		InetSocketAddress samePortOther = new InetSocketAddress("192.0.2.7", 50001);
		Long ip = byIp.flowKeyHash(MockServerHttpRequest.get("/").remoteAddress(client).build());
		Long sameIp = byIp.flowKeyHash(MockServerHttpRequest.get("/").remoteAddress(samePortOther).build());
		Long cookie = byIp.flowKeyHash(
				MockServerHttpRequest.get("/").remoteAddress(client).header("Cookie", "SESSION=" + "s").build());
		assertThat(ip).isNotNull().isEqualTo(sameIp).isNotEqualTo(cookie);
		assertThat(this.extractor.flowKeyHash(MockServerHttpRequest.get("/").remoteAddress(client).build())).isNull();
	}

	@Test
	void flowKeyHashWhenCookieHeaderHasSeveralPairsQuotesOrGarbageShouldFindTheNamedCookie() {
		Long plain = this.extractor.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=abc").build());
		Long among = this.extractor.flowKeyHash(
				MockServerHttpRequest.get("/").header("Cookie", "theme=dark; ;; =x; SESSION=abc; other=1").build());
		Long quoted = this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=\"abc\"").build());
		Long prefixOnly = this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "XSESSION=abc; SESSIONX=abc").build());
		assertThat(among).isEqualTo(plain);
		assertThat(quoted).isEqualTo(plain);
		assertThat(prefixOnly).isNull();
		assertThat(this.extractor.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "=====;;;").build()))
			.isNull();
	}

	@Test
	void flowKeyHashShouldCountMaxKeyLengthInUtf8Bytes() {
		FlowKeyExtractor tenBytes = new FlowKeyExtractor(new FlowKeyConfig(List.of(), List.of("X-Flow"), false, 10));
		// 10 ASCII chars: 10 bytes.
		assertThat(tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", "abcdefghij").build()))
			.isNotNull();
		assertThat(tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", "abcdefghijk").build()))
			.isNull();
		// 5 chars of 2 bytes: 10 bytes; 6 of them: 12 bytes, only 6 characters.
		assertThat(tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", "\u00e9".repeat(5)).build()))
			.isNotNull();
		assertThat(tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", "\u00e9".repeat(6)).build()))
			.isNull();
		// 3 chars of 3 bytes (9) plus one ASCII: 10; one more: 11.
		assertThat(tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", "\u20ac\u20ac\u20aca").build()))
			.isNotNull();
		assertThat(
				tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", "\u20ac\u20ac\u20acab").build()))
			.isNull();
		// A supplementary character (two chars) is 4 bytes.
		String grin = new String(Character.toChars(0x1F600));
		assertThat(tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", grin + grin + "ab").build()))
			.isNotNull();
		assertThat(tenBytes.flowKeyHash(MockServerHttpRequest.get("/").header("X-Flow", grin + grin + "abc").build()))
			.isNull();
	}

	@Test
	void utf8LengthShouldMatchTheEncodedLength() {
		for (String value : List.of("", "a", "\u00e9t\u00e9", "\u20ac", new String(Character.toChars(0x1F600)) + "x",
				"mixed \u00e9\u20ac" + new String(Character.toChars(0x10FFFF)))) {
			assertThat(FlowKeyExtractor.utf8Length(value, Integer.MAX_VALUE))
				.isEqualTo(value.getBytes(StandardCharsets.UTF_8).length);
		}
	}

	@Test
	void cookieValueWhenHeaderIsAHugeRunOfPairsWithoutEqualsShouldStillFindTheCookie() {
		// Searching '=' past each pair made this quadratic: 100,000 pairs of "a;".
		String junk = "a;".repeat(100_000);
		assertThat(FlowKeyExtractor.cookieValue(List.of(junk + "SESSION=abc"), "SESSION")).isEqualTo("abc");
		assertThat(FlowKeyExtractor.cookieValue(List.of(junk + "b=1"), "SESSION")).isNull();
		assertThat(FlowKeyExtractor.cookieValue(List.of(junk, "x=1; SESSION=def"), "SESSION")).isEqualTo("def");
		// A pair whose '=' comes later is not the named cookie.
		assertThat(FlowKeyExtractor.cookieValue(List.of("SESSION;x=1"), "SESSION")).isNull();
		assertThat(FlowKeyExtractor.cookieValue(List.of("SESSION ;SESSION=2"), "SESSION")).isEqualTo("2");
		Long viaFilter = this.extractor
			.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", junk + "SESSION=abc").build());
		assertThat(viaFilter).isEqualTo(
				this.extractor.flowKeyHash(MockServerHttpRequest.get("/").header("Cookie", "SESSION=abc").build()));
	}

}
