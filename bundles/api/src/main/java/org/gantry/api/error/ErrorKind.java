package org.gantry.api.error;

/**
 * What kind of failure a {@link GantryException} reports. Each kind maps to one HTTP status, so every
 * front end (REST, shell) answers a given failure the same way.
 */
public enum ErrorKind {
    /** The caller sent something malformed or inconsistent with the model (HTTP 400). */
    INVALID_ARGUMENT(400),
    /** The request lacks the credentials an endpoint requires (HTTP 401). */
    UNAUTHENTICATED(401),
    /** The model, version or resource does not exist (HTTP 404). */
    NOT_FOUND(404),
    /** The request conflicts with the current state, e.g. a model that is already loaded (HTTP 409). */
    CONFLICT(409),
    /** The request body is larger than the server accepts (HTTP 413). */
    PAYLOAD_TOO_LARGE(413),
    /** The model exists but cannot be served now: loading, unloading, failed, or its backend is gone (HTTP 503). */
    UNAVAILABLE(503),
    /** The request waited longer than allowed (HTTP 504). */
    TIMEOUT(504),
    /** Not enough memory to load or run the model, even after eviction (HTTP 507). */
    INSUFFICIENT_MEMORY(507),
    /** Not enough disk to store what the request brings, such as a load's files (HTTP 507). */
    INSUFFICIENT_STORAGE(507),
    /** A fault inside Gantry or an engine that the caller cannot fix (HTTP 500). */
    INTERNAL(500);

    private final int httpStatus;

    ErrorKind(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status code that reports this kind of failure. */
    public int httpStatus() {
        return httpStatus;
    }
}
