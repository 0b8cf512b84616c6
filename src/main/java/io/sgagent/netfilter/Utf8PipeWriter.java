package io.sgagent.netfilter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Writes text to a tool's input as UTF-8 through a 64 KiB byte buffer, and counts the characters written.
 *
 * <p>Why not {@code BufferedWriter} over {@code OutputStreamWriter}: that chain copies every string into a char
 * buffer (widening each Latin-1 byte to two) and then runs the charset encoder over it. Restore input is almost
 * all ASCII, for which {@link String#getBytes} is one copy of the string's own bytes. A cold 1000-VM apply writes
 * ~17 MB; under the shipped C1-only JIT the encoder chain took ~250 ms of CPU beside the restore tools, this
 * ~60 ms (a standalone render of the bench host into {@code cat}).
 *
 * <p>Not thread-safe: one writer per tool input.
 */
final class Utf8PipeWriter extends Writer {
    private static final int BUFFER = 1 << 16;

    private final OutputStream out;
    private final byte[] buffer = new byte[BUFFER];
    private int used;
    private long chars;
    /** The first half of a surrogate pair written alone by {@link #write(int)}, waiting for its second half. */
    private char pendingHigh;

    Utf8PipeWriter(OutputStream out) {
        this.out = out;
    }

    /** Characters written so far (for the DEBUG line and the error message). */
    long chars() {
        return chars;
    }

    @Override
    public void write(String text, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        flushPending();
        String part = offset == 0 && length == text.length() ? text : text.substring(offset, offset + length);
        put(part.getBytes(StandardCharsets.UTF_8));
        chars += length;
    }

    @Override
    public void write(char[] text, int offset, int length) throws IOException {
        write(new String(text, offset, length), 0, length);
    }

    @Override
    public void write(int c) throws IOException {
        char ch = (char) c;
        if (pendingHigh != 0) {
            char high = pendingHigh;
            pendingHigh = 0;
            if (Character.isLowSurrogate(ch)) {
                put(new String(new char[] {high, ch}).getBytes(StandardCharsets.UTF_8));
                chars += 2;
                return;
            }
            put(String.valueOf(high).getBytes(StandardCharsets.UTF_8)); // a lone half: the encoder's replacement
            chars++;
        }
        if (ch < 0x80) {
            if (used == BUFFER) {
                drain();
            }
            buffer[used++] = (byte) ch;
            chars++;
        } else if (Character.isHighSurrogate(ch)) {
            pendingHigh = ch;
        } else {
            put(String.valueOf(ch).getBytes(StandardCharsets.UTF_8));
            chars++;
        }
    }

    private void flushPending() throws IOException {
        if (pendingHigh != 0) {
            char high = pendingHigh;
            pendingHigh = 0;
            put(String.valueOf(high).getBytes(StandardCharsets.UTF_8));
            chars++;
        }
    }

    private void put(byte[] bytes) throws IOException {
        if (bytes.length > BUFFER - used) {
            drain();
            if (bytes.length > BUFFER) {
                out.write(bytes);
                return;
            }
        }
        System.arraycopy(bytes, 0, buffer, used, bytes.length);
        used += bytes.length;
    }

    private void drain() throws IOException {
        if (used > 0) {
            out.write(buffer, 0, used);
            used = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        flushPending();
        drain();
        out.flush();
    }

    /** Writes what is buffered and closes the pipe: the tool's end of input. */
    @Override
    public void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }
}
