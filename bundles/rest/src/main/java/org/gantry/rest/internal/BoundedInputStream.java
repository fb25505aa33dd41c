package org.gantry.rest.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;

/**
 * At most {@code limit} bytes of another stream. Past the limit it either ends (to read a JSON header of known
 * length, leaving the binary data after it unread) or fails with 413 (to cap a request body).
 */
final class BoundedInputStream extends FilterInputStream {

    private final long limit;
    private final boolean failBeyondLimit;
    private long remaining;

    /** A stream that ends after {@code limit} bytes. */
    BoundedInputStream(InputStream in, long limit) {
        this(in, limit, false);
    }

    private BoundedInputStream(InputStream in, long limit, boolean failBeyondLimit) {
        super(in);
        this.limit = limit;
        this.remaining = limit;
        this.failBeyondLimit = failBeyondLimit;
    }

    /** A stream that fails with {@link ErrorKind#PAYLOAD_TOO_LARGE} when more than {@code limit} bytes arrive. */
    static InputStream capped(InputStream in, long limit) {
        return new BoundedInputStream(in, limit, true);
    }

    @Override
    public int read() throws IOException {
        if (remaining == 0) {
            return atLimit();
        }
        int value = super.read();
        if (value >= 0) {
            remaining--;
        }
        return value;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (remaining == 0) {
            return atLimit();
        }
        int read = super.read(buffer, offset, (int) Math.min(length, remaining));
        if (read > 0) {
            remaining -= read;
        }
        return read;
    }

    private int atLimit() throws IOException {
        if (failBeyondLimit && super.read() != -1) {
            throw new GantryException(ErrorKind.PAYLOAD_TOO_LARGE, String.format(
                    "the request body is larger than this server accepts (%d bytes)", limit));
        }
        return -1;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(Math.min(n, remaining));
        remaining -= skipped;
        return skipped;
    }

    @Override
    public int available() throws IOException {
        return (int) Math.min(super.available(), remaining);
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
