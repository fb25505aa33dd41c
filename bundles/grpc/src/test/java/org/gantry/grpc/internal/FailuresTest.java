package org.gantry.grpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.EnumMap;
import java.util.Map;

import org.gantry.api.error.ErrorKind;
import org.gantry.api.error.GantryException;
import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

class FailuresTest {

    @Test
    void everyKindOfFailureHasTheStatusThatTellsAClientWhatToDo() {
        Map<ErrorKind, Status.Code> expected = new EnumMap<>(Map.of(
                ErrorKind.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT,
                ErrorKind.UNAUTHENTICATED, Status.Code.UNAUTHENTICATED,
                ErrorKind.NOT_FOUND, Status.Code.NOT_FOUND,
                ErrorKind.CONFLICT, Status.Code.ALREADY_EXISTS,
                ErrorKind.PAYLOAD_TOO_LARGE, Status.Code.RESOURCE_EXHAUSTED,
                ErrorKind.UNAVAILABLE, Status.Code.UNAVAILABLE,
                ErrorKind.TIMEOUT, Status.Code.DEADLINE_EXCEEDED,
                ErrorKind.INSUFFICIENT_MEMORY, Status.Code.RESOURCE_EXHAUSTED,
                ErrorKind.INSUFFICIENT_STORAGE, Status.Code.RESOURCE_EXHAUSTED,
                ErrorKind.INTERNAL, Status.Code.INTERNAL));
        Map<ErrorKind, Status.Code> actual = new EnumMap<>(ErrorKind.class);
        for (ErrorKind kind : ErrorKind.values()) {
            actual.put(kind, Failures.code(kind).getCode());
        }
        assertEquals(expected, actual);
    }

    @Test
    void aGantryFailureKeepsItsMessageAndItsRetryAdvice() {
        StatusRuntimeException status = Failures.status(new GantryException(ErrorKind.UNAVAILABLE,
                "model 'm' is loading", null, 3));
        assertEquals(Status.Code.UNAVAILABLE, status.getStatus().getCode());
        assertEquals("model 'm' is loading", status.getStatus().getDescription());
        assertEquals("3", status.getTrailers().get(Failures.RETRY_AFTER));
    }

    @Test
    void anUnexpectedFailureIsInternalAndItsStackTraceStaysOnTheServer() {
        StatusRuntimeException status = Failures.status(new IllegalStateException("broken"));
        assertEquals(Status.Code.INTERNAL, status.getStatus().getCode());
        assertEquals("internal error: java.lang.IllegalStateException: broken", status.getStatus().getDescription());
        assertFalse(status.getStatus().getDescription().contains("\tat "));
    }
}
