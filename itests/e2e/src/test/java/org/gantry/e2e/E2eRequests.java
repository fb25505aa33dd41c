package org.gantry.e2e;

import java.util.Map;

/** What the end-to-end tests send again and again: the example request, and a token's headers. */
final class E2eRequests {

    /** KServe JSON for the example model {@code simple_linear}: one row of three FP32 values. */
    static final String SIMPLE_LINEAR = "{\"inputs\":[{\"name\":\"INPUT__0\",\"shape\":[1,3],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3]}]}";

    private E2eRequests() {
    }

    /** The header that presents {@code token}. */
    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    /** The header that presents {@code token}, for a JSON body. */
    static Map<String, String> bearerJson(String token) {
        return Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json");
    }
}
