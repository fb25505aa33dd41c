package org.gantry.api.error;

import java.util.Objects;

/**
 * A failure with a message meant for the user and a {@link ErrorKind} that says who is at fault.
 * Messages say what was wrong and, where it helps, what to do about it.
 */
public class GantryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;

    public GantryException(ErrorKind kind, String message) {
        this(kind, message, null);
    }

    public GantryException(ErrorKind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ErrorKind kind() {
        return kind;
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
