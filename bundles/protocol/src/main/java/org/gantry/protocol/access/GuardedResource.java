package org.gantry.protocol.access;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Marks a Jakarta REST resource component as one of Gantry's: it selects, by name, the whiteboard extensions every
 * Gantry resource is served with: JSON, the error shape ({@code {"error": "..."}}) and access control. The REST
 * bundle registers those extensions under these names; the whiteboard publishes a resource only once all three are
 * present, so no endpoint of any bundle is ever served without its guards.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface GuardedResource {

    /** The JSON provider's extension name. */
    String JSON = "gantry.jackson";
    /** The error mapper's extension name. */
    String ERRORS = "gantry.errors";
    /** The access control filter's extension name. */
    String ACCESS = "gantry.access";

    /** The prefix of the component property this annotation sets ({@code osgi.jakartars.extension.select}). */
    String PREFIX_ = "osgi.jakartars.";

    /** The extensions the resource needs: all three. */
    String[] extension_select() default { "(osgi.jakartars.name=" + JSON + ")", "(osgi.jakartars.name=" + ERRORS + ")",
            "(osgi.jakartars.name=" + ACCESS + ")" };
}
