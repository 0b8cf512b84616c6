package io.sgagent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sgagent.config.SgAgentProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the token comes from. */
class ApiTokenFilterTest {
    @TempDir
    Path dir;

    @Test
    void tokenFromSettings() {
        assertThat(ApiTokenFilter.resolveToken(new SgAgentProperties.Api(" abc ", ""))).isEqualTo("abc");
        assertThat(ApiTokenFilter.resolveToken(new SgAgentProperties.Api("", ""))).isEmpty();
        assertThat(ApiTokenFilter.resolveToken(null)).isEmpty();
        assertThat(new ApiTokenFilter("").enabled()).isFalse();
        assertThat(new ApiTokenFilter("abc").enabled()).isTrue();
    }

    @Test
    void tokenFileWinsAndOnlyItsFirstLineCounts() throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "from-file\nsecond line\n");
        assertThat(ApiTokenFilter.resolveToken(new SgAgentProperties.Api("from-setting", file.toString())))
                .isEqualTo("from-file");
    }

    @Test
    void unreadableOrEmptyTokenFileFailsClosed() throws Exception {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> ApiTokenFilter.resolveToken(new SgAgentProperties.Api("", missing.toString())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be read");
        Path empty = Files.writeString(dir.resolve("empty"), "\nsecret-on-line-2\n");
        assertThatThrownBy(() -> ApiTokenFilter.resolveToken(new SgAgentProperties.Api("", empty.toString())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("first line is empty")
                .hasMessageNotContaining("secret-on-line-2");
    }

    @Test
    void jsonEscape() {
        assertThat(ApiTokenFilter.jsonEscape("a\"b\\c\n")).isEqualTo("a\\\"b\\\\c\\u000a");
    }
}
