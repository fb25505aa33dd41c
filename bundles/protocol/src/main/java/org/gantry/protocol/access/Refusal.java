package org.gantry.protocol.access;

/**
 * Why a call may not proceed. Each front end says it in its own terms: it names what was called ("endpoint",
 * "RPC") and how a token is sent there, and maps {@link #needsToken()} to its status (HTTP 401 or 403, gRPC
 * UNAUTHENTICATED or PERMISSION_DENIED).
 */
public enum Refusal {

    /** A management call without the administrator token, which is set. */
    ADMINISTRATOR_TOKEN_NEEDED {
        @Override
        public String message(String operation, String howToSend) {
            return "this " + operation + " changes the server and needs the administrator token: send " + howToSend
                    + " with the value of " + AccessPolicy.ADMIN_TOKEN_ENV;
        }
    },

    /** A management call from another machine while no administrator token is set: no token would do. */
    LOOPBACK_ONLY {
        @Override
        public String message(String operation, String howToSend) {
            return "this " + operation + " changes the server; without an administrator token ("
                    + AccessPolicy.ADMIN_TOKEN_ENV + ") it is accepted from the server's own machine (loopback) only";
        }
    },

    /** A call without the inference token (or the administrator token), which is set. */
    INFERENCE_TOKEN_NEEDED {
        @Override
        public String message(String operation, String howToSend) {
            return "this " + operation + " needs the inference token: send " + howToSend + " with the value of "
                    + AccessPolicy.INFERENCE_TOKEN_ENV;
        }
    };

    /** Whether the right token would let the call through; if not, no token would do from where it came. */
    public boolean needsToken() {
        return this != LOOPBACK_ONLY;
    }

    /**
     * The reason, as the caller reads it.
     *
     * @param operation what was called, as the front end names it: "endpoint", "RPC"
     * @param howToSend how a token is sent to this front end, e.g. {@code 'Authorization: Bearer <token>'}
     */
    public abstract String message(String operation, String howToSend);
}
