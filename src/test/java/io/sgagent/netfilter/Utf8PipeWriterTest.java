package io.sgagent.netfilter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The tool-input writer must produce exactly the UTF-8 bytes of what it was given, however it was given. */
class Utf8PipeWriterTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Utf8PipeWriter writer = new Utf8PipeWriter(bytes);

    @Test
    void asciiStringsArriveAsTheirBytesAndAreCounted() throws IOException {
        writer.write("*filter\n");
        writer.write("-A sga-i-web -j ACCEPT\n", 0, 12);
        writer.write('\n');
        writer.close();

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("*filter\n-A sga-i-web\n");
        assertThat(writer.chars()).isEqualTo(8 + 12 + 1);
    }

    @Test
    void nonAsciiTextIsEncodedAsUtf8WhicheverMethodWritesIt() throws IOException {
        String text = "Grüße 日本 \uD83D\uDE00 end";
        writer.write(text);
        writer.write(text.toCharArray(), 0, text.length());
        for (char c : text.toCharArray()) {
            writer.write(c); // the emoji's two halves arrive one by one
        }
        writer.write(text, 2, 5);
        writer.close();

        String expected = text + text + text + text.substring(2, 7);
        assertThat(bytes.toByteArray()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
        assertThat(writer.chars()).isEqualTo(expected.length());
    }

    @Test
    void aLoneSurrogateHalfBecomesTheReplacementAsTheJdkEncoderWrites() throws IOException {
        writer.write('\uD83D');
        writer.write("x");
        writer.close();

        assertThat(bytes.toByteArray()).isEqualTo("\uD83Dx".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void textLongerThanTheBufferArrivesWholeAndInOrder() throws IOException {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            String line = "-A sga-i-vm" + i + " -p tcp -m tcp --dport " + (i % 65_535) + " -j ACCEPT\n";
            writer.write(line);
            expected.append(line);
        }
        String big = "y".repeat(200_000);
        writer.write(big);
        expected.append(big);
        writer.close();

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(expected.toString());
        assertThat(writer.chars()).isEqualTo(expected.length());
    }

    @Test
    void nothingReachesThePipeBeforeTheBufferFillsOrTheWriterIsFlushed() throws IOException {
        writer.write("*raw\n");
        assertThat(bytes.size()).isZero();

        writer.flush();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("*raw\n");
    }
}
