package org.gantry.rest.internal;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;

import org.gantry.protocol.access.Access;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.protocol.access.Refusal;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;

/**
 * Who may call which endpoint, in HTTP's terms. An endpoint's access is read from its resource method's standard
 * annotations, after Jersey has matched the request, so no form of the path ({@code /}, {@code ;x=1},
 * {@code ;jsessionid=…}) can change it: {@link PermitAll} is open, {@code @RolesAllowed(INFERENCE)} needs the
 * inference token, and everything else, {@code @RolesAllowed(ADMIN)} or no annotation at all, is management. The
 * decision itself is the protocol bundle's {@link AccessPolicy}, the same as gRPC's.
 */
final class EndpointAccess {

    /** The role of endpoints that read models or run inferences. */
    static final String INFERENCE = "gantry.inference";
    /** The role of endpoints that change the server: load, unload, add, remove, pin. */
    static final String ADMIN = "gantry.admin";

    private static final String HOW_TO_SEND = "'Authorization: Bearer <token>'";

    private EndpointAccess() {
    }

    /** The policy the configuration and the environment give (the environment's tokens take precedence). */
    static AccessPolicy configured(RestConfig config) {
        return AccessPolicy.configured(config._adminToken(), config._inferenceToken(),
                config.remoteManagementWithoutToken(), System::getenv);
    }

    /** The access a resource method (or its class) declares; where neither declares one, management, the strictest. */
    static Access of(Method method) {
        if (method.isAnnotationPresent(PermitAll.class)) {
            return Access.OPEN;
        }
        // As JSR-250 reads it: a method's own annotation, else its class's (every endpoint of a model is inference).
        RolesAllowed roles = method.isAnnotationPresent(RolesAllowed.class) ? method.getAnnotation(RolesAllowed.class)
                : method.getDeclaringClass().getAnnotation(RolesAllowed.class);
        if (roles != null && Arrays.asList(roles.value()).equals(List.of(INFERENCE))) {
            return Access.INFERENCE;
        }
        return Access.MANAGEMENT;
    }

    /** 401 asks for a token, 403 says no token would do from where the request came. */
    static int status(Refusal refusal) {
        return refusal.needsToken() ? 401 : 403;
    }

    /** The refusal's reason, in the words of an HTTP endpoint. */
    static String message(Refusal refusal) {
        return refusal.message("endpoint", HOW_TO_SEND);
    }
}
