package org.gantry.rest.internal;

import java.lang.reflect.Method;

import org.gantry.protocol.access.Access;
import org.gantry.protocol.access.AccessPolicy;
import org.gantry.protocol.access.GuardedResource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;

/**
 * Bearer tokens, as operators expect from a model server on a shared network. Each resource method gets its own
 * {@link AccessGuard}, chosen from the method's annotations when the application is built (see
 * {@link EndpointAccess}), so the guard always belongs to the method that will run, whatever the request's path
 * looked like. A refused request changes nothing: it never reaches the method.
 */
@Component(service = DynamicFeature.class, configurationPid = RestConfig.PID)
@Designate(ocd = RestConfig.class)
@JakartarsExtension
@JakartarsName(AccessControl.NAME)
public class AccessControl implements DynamicFeature {

    static final String NAME = GuardedResource.ACCESS;
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);

    private final AccessPolicy policy;

    @Activate
    public AccessControl(RestConfig config) {
        this(EndpointAccess.configured(config));
        describe(policy);
    }

    AccessControl(AccessPolicy policy) {
        this.policy = policy;
    }

    /** Says at start who may manage the server, so an operator never learns it from an incident. */
    private static void describe(AccessPolicy policy) {
        policy.notices("HTTP management (load, unload, SageMaker's POST/DELETE /models, pin, drain)",
                "HTTP inference and model information")
                .forEach(notice -> LOG.atLevel(notice.warning() ? Level.WARN : Level.INFO).log(notice.message()));
    }

    @Override
    public void configure(ResourceInfo resource, FeatureContext context) {
        Method method = resource.getResourceMethod();
        Access access = method == null ? Access.MANAGEMENT : EndpointAccess.of(method);
        if (access != Access.OPEN) {
            context.register(new AccessGuard(policy, access), Priorities.AUTHENTICATION);
        }
    }
}
