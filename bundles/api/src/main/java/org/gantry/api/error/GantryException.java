package org.gantry.api.error;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A failure with a message meant for the user and a {@link ErrorKind} that says who is at fault.
 * Messages say what was wrong and, where it helps, what to do about it.
 */
public class GantryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final int retryAfterSeconds;

    public GantryException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    public GantryException(ErrorKind kind, String message, Throwable cause) {
        this(kind, message, cause, 0);
    }

    /**
     * @param retryAfterSeconds when the caller may usefully retry (HTTP {@code Retry-After}); 0 for no advice
     */
    public GantryException(ErrorKind kind, String message, Throwable cause, int retryAfterSeconds) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must not be negative: " + retryAfterSeconds);
        }
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public ErrorKind kind() {
        return kind;
    }

    /** Seconds after which a retry may succeed (e.g. a full queue), if the server has an opinion. */
    public OptionalInt retryAfterSeconds() {
        return retryAfterSeconds == 0 ? OptionalInt.empty() : OptionalInt.of(retryAfterSeconds);
    }

    public static GantryException invalidArgument(String format, Object... args) {
        return new GantryException(ErrorKind.INVALID_ARGUMENT, String.format(format, args));
    }

    public static GantryException notFound(String format, Object... args) {
        return new GantryException(ErrorKind.NOT_FOUND, String.format(format, args));
    }

    public static GantryException unavailable(String format, Object... args) {
        return new GantryException(ErrorKind.UNAVAILABLE, String.format(format, args));
    }

    public static GantryException internal(String message, Throwable cause) {
        return new GantryException(ErrorKind.INTERNAL, message, cause);
    }
}
